using Report.Charts;

namespace Report.Html;

/// <summary>
/// The page around the sections: print CSS (A4, one section per page, charts never split) and plotly.js
/// inlined once in the head, so the file works offline and prints the same in headless Chromium.
/// </summary>
public static class PageLayout
{
    /// <summary>Content width in CSS pixels of a chart that spans the page (A4 portrait less 12 mm margins).</summary>
    public const int PortraitWidth = 700;
    /// <summary>Content width of one of two side-by-side charts (A4 landscape less margins, halved).</summary>
    public const int HalfLandscapeWidth = 510;

    public static string Wrap(string title, string body, bool landscape)
    {
        string css = Css.Replace("__SIZE__", landscape ? "A4 landscape" : "A4");
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            + $"<title>{HtmlWriter.Encode(title)}</title>\n<style>{css}</style>\n"
            + "<script type=\"text/javascript\" charset=\"utf-8\">" + PlotlyScript.Source + "</script>\n"
            + "</head>\n<body>\n" + body + "\n</body></html>\n";
    }

    const string Css = """
        @page { size: __SIZE__; margin: 12mm; }
        body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #222; margin: 0; }
        section { break-before: page; }
        section:first-of-type { break-before: auto; }
        h1 { font-size: 20pt; margin: 0 0 6mm 0; }
        h2 { font-size: 14pt; margin: 0 0 3mm 0; border-bottom: 1px solid #888; }
        h3 { font-size: 11pt; margin: 4mm 0 2mm 0; }
        p { margin: 1.5mm 0; line-height: 1.35; }
        .chart { break-inside: avoid; margin: 2mm 0; }
        .pair { display: flex; gap: 4mm; break-inside: avoid; }
        .pair > div { flex: 1; min-width: 0; }
        .pair.tables { break-inside: auto; }
        table { border-collapse: collapse; margin: 2mm 0; font-size: 8.5pt; break-inside: auto; }
        th, td { border: 1px solid #bbb; padding: 1px 5px; text-align: left; vertical-align: top; }
        th { background: #eee; }
        td:first-child, .folder { white-space: nowrap; }
        tr.has-note td { border-bottom: none; }
        tr.note td { white-space: normal; color: #555; font-size: 7.5pt; border-top: none; padding-left: 14px; }
        table.all-rows td:nth-child(5) { white-space: nowrap; }
        tr { break-inside: avoid; }
        .warning { border: 2px solid #666; border-left: 8px solid #444; background: #fff6e0; padding: 2mm 3mm; margin: 2mm 0; }
        .failure { border: 2px solid #222; border-left: 8px solid #000; background: #fde8e8; padding: 2mm 3mm; margin: 2mm 0; }
        .caption { font-size: 9pt; color: #333; }
        .muted { color: #666; font-size: 8.5pt; }
        pre { font-size: 7.5pt; background: #f6f6f6; padding: 2mm; white-space: pre-wrap; }
        """;
}

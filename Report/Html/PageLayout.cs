using Report.Charts;

namespace Report.Html;

/// <summary>
/// The page around the chapters: print CSS (A4, each chapter from a new page, a row of panels never split, the
/// HTML-only details hidden in print) and plotly.js inlined once in the head, so the file works offline and prints
/// the same in headless Chromium.
/// </summary>
public static class PageLayout
{
    /// <summary>Content width in CSS pixels of a row of panels on A4 portrait less 12 mm margins.</summary>
    public const int PortraitWidth = 700;
    /// <summary>Content width of one side of a comparison (A4 landscape less margins, halved).</summary>
    public const int HalfLandscapeWidth = 505;
    /// <summary>Space between two panels of a row.</summary>
    public const int PanelGap = 10;

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
        body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9.5pt; color: #222; margin: 0; }
        section.chapter { break-before: page; }
        h1 { font-size: 19pt; margin: 0 0 3mm 0; }
        h2 { font-size: 15pt; margin: 0 0 2mm 0; border-bottom: 1px solid #888; break-after: avoid; }
        h3 { font-size: 11pt; margin: 4mm 0 1.5mm 0; break-after: avoid; }
        p { margin: 1.2mm 0; line-height: 1.3; }
        a { color: #1a4f8a; }
        .panel-row { display: flex; gap: 10px; break-inside: avoid; margin: 1mm 0; }
        .pair { display: flex; gap: 4mm; break-inside: avoid; }
        .pair > div { flex: 1; min-width: 0; }
        .pair.tables { break-inside: auto; }
        table { border-collapse: collapse; margin: 1.5mm 0; font-size: 7.5pt; break-inside: auto; }
        th, td { border: 1px solid #bbb; padding: 1px 4px; text-align: left; vertical-align: top; }
        th { background: #eee; }
        td:first-child, .folder { white-space: nowrap; }
        table.plotted td:not(:first-child) { text-align: right; }
        table { max-width: 100%; }
        table.compact td { overflow-wrap: anywhere; }
        table.machine th { background: none; font-weight: bold; white-space: nowrap; }
        table.claims { width: 100%; font-size: 7.5pt; }
        table.claims td:first-child { white-space: normal; width: 34%; }
        table.claims .rule, table.claims .reason { color: #555; font-size: 6.8pt; margin-top: 0.5mm; }
        td.verdict { white-space: nowrap; font-weight: bold; }
        td.verdict.holds { background: #dff2df; }
        td.verdict.fails { background: #f8dcdc; }
        td.verdict.untestable { background: #ececec; }
        td.verdict.unmeasured { background: #f6f6f6; font-weight: normal; }
        ul.glance { margin: 1mm 0; padding-left: 5mm; }
        ul.glance li { margin: 0.8mm 0; line-height: 1.25; }
        tr.has-note td { border-bottom: none; }
        tr.note td { white-space: normal; color: #555; font-size: 7pt; border-top: none; padding-left: 14px; }
        table.all-rows td:nth-child(5) { white-space: nowrap; }
        tr { break-inside: avoid; }
        .table-title { font-weight: bold; font-size: 7.5pt; margin: 1.5mm 0 0 0; }
        .tbl table { margin-top: 0.5mm; }
        .warning { border: 2px solid #666; border-left: 8px solid #444; background: #fff6e0; padding: 1.5mm 3mm; margin: 2mm 0; }
        .failure { border: 2px solid #222; border-left: 8px solid #000; background: #fde8e8; padding: 1.5mm 3mm; margin: 2mm 0; }
        .caption { font-size: 8.5pt; color: #333; }
        .muted { color: #666; font-size: 8pt; }
        details { margin: 1.5mm 0; }
        summary { cursor: pointer; color: #1a4f8a; font-size: 8.5pt; }
        pre { font-size: 7.5pt; background: #f6f6f6; padding: 2mm; white-space: pre-wrap; }
        .side { flex: 1; min-width: 0; }
        .side table { font-size: 7pt; }
        .table-row { display: flex; flex-wrap: wrap; gap: 0 12px; align-items: flex-start; }
        .intro { font-size: 8.5pt; color: #333; }
        @media print { details, .modebar-container { display: none; } }
        """;
}

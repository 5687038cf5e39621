namespace PdfCheck;

/// <summary>The checks a report PDF must pass; each failure is a sentence naming the page or text concerned.</summary>
public static class PdfVerdict
{
    /// <summary>A page counts as blank below this fraction of non-white pixels or this many colours.</summary>
    public const double MinInk = 0.003;
    public const int MinColours = 8;
    /// <summary>
    /// A page "shows a chart with data" from this many series-coloured pixels. At 72 dpi an empty chart (axes, grid,
    /// title) has none, a single plotted point with its legend entry about 80, a curve several hundred.
    /// </summary>
    public const int MinChartPixels = 40;

    public static IReadOnlyList<string> Failures(PdfInspection pdf, int minPages, IEnumerable<string> expectedText, IEnumerable<string> chartPages)
    {
        var f = new List<string>();
        if (pdf.Pages < minPages) f.Add($"{pdf.Pages} pages, expected at least {minPages}");
        foreach (var p in pdf.PageStats)
            if (p.InkFraction < MinInk || p.DistinctColours < MinColours) f.Add($"page {p.Page} looks blank ({p})");
        foreach (var t in expectedText)
            if (!pdf.Mentions(t)) f.Add($"the text layer does not contain \"{t}\"");
        foreach (var t in chartPages)
        {
            var page = pdf.PageMentioning(t);
            if (page is null) f.Add($"no page mentions \"{t}\"");
            else if (page.ChartPixels < MinChartPixels)
                f.Add($"page {page.Page} (\"{t}\") shows no plotted data: {page.ChartPixels} chart-coloured pixels, expected at least {MinChartPixels}");
        }
        return f;
    }
}

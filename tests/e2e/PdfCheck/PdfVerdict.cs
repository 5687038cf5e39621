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
    /// <summary>A panel's plot area "shows data" from this many series-coloured pixels inside it (one marker is about 20 at 72 dpi).</summary>
    public const int MinPanelPixels = 15;
    /// <summary>A page whose content ends above this fraction of its height is more than half empty.</summary>
    public const double MaxEmptyFraction = 0.5;
    /// <summary>
    /// A page starts a chapter when its first line is at least this tall (points): the report's chapter headings are
    /// 15 pt (about 17 pt of box in pdftotext -bbox), its largest other text 11 pt (about 13 pt).
    /// </summary>
    public const double SectionHeadingHeight = 15.5;

    public static bool StartsSection(PageStats p) => p.FirstLineHeight >= SectionHeadingHeight;

    /// <param name="expectedPanels">How many chart panels the report drew (from its HTML), or null not to count them.</param>
    public static IReadOnlyList<string> Failures(PdfInspection pdf, int minPages, IEnumerable<string> expectedText, IEnumerable<string> chartPages, int? expectedPanels = null)
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
        f.AddRange(PanelFailures(pdf, expectedPanels));
        f.AddRange(EmptyPageFailures(pdf));
        return f;
    }

    /// <summary>Every panel found must show plotted data in its plot area; with <paramref name="expected"/>, every drawn panel must be found.</summary>
    public static IReadOnlyList<string> PanelFailures(PdfInspection pdf, int? expected)
    {
        var f = new List<string>();
        var panels = pdf.PageStats.SelectMany(p => p.Panels).ToList();
        foreach (var p in panels.Where(p => p.SeriesPixels < MinPanelPixels))
            f.Add($"{p}: no plotted data in the panel (expected at least {MinPanelPixels} series-coloured pixels)");
        if (expected is { } n && panels.Count != n)
            f.Add($"found {panels.Count} chart panels on the pages, but the report drew {n} (a panel that did not render, or was cut across pages)");
        return f;
    }

    /// <summary>No page may be more than half empty unless it is the last page, or the last of its chapter (the next page starts one).</summary>
    public static IReadOnlyList<string> EmptyPageFailures(PdfInspection pdf)
    {
        var f = new List<string>();
        for (int i = 0; i + 1 < pdf.PageStats.Count; i++)
        {
            var p = pdf.PageStats[i];
            if (p.InkBottom < MaxEmptyFraction && !StartsSection(pdf.PageStats[i + 1]))
                f.Add($"page {p.Page} is more than half empty (its content ends at {p.InkBottom:P0} of the page) and is not the last page of a chapter");
        }
        return f;
    }
}

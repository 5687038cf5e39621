namespace PdfCheck;

/// <summary>
/// What a rendered page holds: how much of it is not white, how many distinct colours it uses, and how many
/// pixels have the colour of a chart curve (one of the report's series colours, Report/Charts/ScalingChart.Palette:
/// every plot with data draws its curves, markers and legend swatches in them; text, tables and the report's
/// warning boxes use only greys and pale tints, which are far from every series colour).
/// </summary>
/// <see cref="InkBottom"/> is how far down the page its content reaches (0 = top, 1 = bottom edge), <see cref="Panels"/>
/// the chart panels found on it (<see cref="PanelFinder"/>), and <see cref="FirstLineHeight"/> the height in points of
/// its first line of text (a chapter heading is taller than anything else that can start a page).
public sealed record PageStats(int Page, int Width, int Height, double InkFraction, int DistinctColours, int ChartPixels, long PngBytes, string Text,
    double InkBottom, IReadOnlyList<PanelArea> Panels, double FirstLineHeight)
{
    /// <summary>The report's series colours (a copy of Report/Charts/SeriesStyles.Palette; a test keeps them equal).</summary>
    public static readonly string[] SeriesColours =
    [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
        "#6baed6", "#08306b", "#fb6a4a", "#74c476", "#fdae6b", "#a50f15",
    ];
    /// <summary>Largest distance (sum of channel differences) of an anti-aliased pixel still counted as a series colour.</summary>
    public const int ColourTolerance = 30;

    static readonly (int R, int G, int B)[] Rgb = SeriesColours
        .Select(c => (Convert.ToInt32(c[1..3], 16), Convert.ToInt32(c[3..5], 16), Convert.ToInt32(c[5..7], 16))).ToArray();

    public static bool IsSeriesColour(int r, int g, int b)
    {
        foreach (var c in Rgb)
            if (Math.Abs(r - c.R) + Math.Abs(g - c.G) + Math.Abs(b - c.B) <= ColourTolerance) return true;
        return false;
    }

    public static PageStats Of(int page, PngImage img, long pngBytes, string text, double firstLineHeight = 0)
    {
        long ink = 0, chart = 0;
        int lastInkRow = -1;
        var colours = new HashSet<int>();
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                var (r, g, b) = img[x, y];
                if (r < 245 || g < 245 || b < 245) { ink++; lastInkRow = y; }
                if (colours.Count < 100_000) colours.Add((r << 16) | (g << 8) | b);
                if (IsSeriesColour(r, g, b)) chart++;
            }
        return new PageStats(page, img.Width, img.Height, (double)ink / ((long)img.Width * img.Height), colours.Count, (int)chart, pngBytes, text,
            (lastInkRow + 1) / (double)img.Height, PanelFinder.Find(page, img, IsSeriesColour), firstLineHeight);
    }

    public override string ToString() =>
        $"page {Page}: {Width}x{Height}px, ink {InkFraction:P1} down to {InkBottom:P0} of the page, {DistinctColours} colours, {ChartPixels} chart-coloured pixels, "
        + $"{Panels.Count} panel(s) [{string.Join(", ", Panels.Select(p => p.SeriesPixels))}], first line {FirstLineHeight:0.0} pt, PNG {PngBytes} bytes";
}

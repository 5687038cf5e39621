namespace PdfCheck;

/// <summary>
/// What a rendered page holds: how much of it is not white, how many distinct colours it uses, and how many
/// pixels have the colour of a chart curve (one of the report's series colours, Report/Charts/ScalingChart.Palette:
/// every plot with data draws its curves, markers and legend swatches in them; text, tables and the report's
/// warning boxes use only greys and pale tints, which are far from every series colour).
/// </summary>
public sealed record PageStats(int Page, int Width, int Height, double InkFraction, int DistinctColours, int ChartPixels, long PngBytes, string Text)
{
    /// <summary>The report's series colours (a copy of Report/Charts/ScalingChart.Palette; a test keeps them equal).</summary>
    public static readonly string[] SeriesColours =
        ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
    /// <summary>Largest distance (sum of channel differences) of an anti-aliased pixel still counted as a series colour.</summary>
    public const int ColourTolerance = 30;

    static readonly (int R, int G, int B)[] Rgb = SeriesColours
        .Where(c => c != "#7f7f7f") // the grey one is indistinguishable from text anti-aliasing
        .Select(c => (Convert.ToInt32(c[1..3], 16), Convert.ToInt32(c[3..5], 16), Convert.ToInt32(c[5..7], 16))).ToArray();

    static bool IsSeriesColour(int r, int g, int b)
    {
        foreach (var c in Rgb)
            if (Math.Abs(r - c.R) + Math.Abs(g - c.G) + Math.Abs(b - c.B) <= ColourTolerance) return true;
        return false;
    }

    public static PageStats Of(int page, PngImage img, long pngBytes, string text)
    {
        long ink = 0, chart = 0;
        var colours = new HashSet<int>();
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                var (r, g, b) = img[x, y];
                if (r < 245 || g < 245 || b < 245) ink++;
                if (colours.Count < 100_000) colours.Add((r << 16) | (g << 8) | b);
                if (IsSeriesColour(r, g, b)) chart++;
            }
        return new PageStats(page, img.Width, img.Height, (double)ink / ((long)img.Width * img.Height), colours.Count, (int)chart, pngBytes, text);
    }

    public override string ToString() =>
        $"page {Page}: {Width}x{Height}px, ink {InkFraction:P1}, {DistinctColours} colours, {ChartPixels} chart-coloured pixels, PNG {PngBytes} bytes";
}

namespace Report.Charts;

/// <summary>
/// How to draw one chart: titles of the paper's axes, a factor applied to our values to match the paper's
/// y axis (e.g. 1/1000 for "cycles x 1000"), and the paper figure whose values are overlaid as markers
/// (only when our unit is the paper's unit; null for none).
/// </summary>
public sealed record ChartSpec(string Title, string XTitle, string YTitle, double YScale, string? PaperFigure, string? PaperUnit)
{
    /// <summary>A chart with plain axes from the metric and unit and no overlay.</summary>
    public static ChartSpec Plain(string title, string metric, string unit) =>
        new(title, "Cores", $"{metric} ({unit})", 1.0, null, null);
}

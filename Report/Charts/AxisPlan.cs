using Report.Catalog;
using Report.Html;

namespace Report.Charts;

/// <summary>
/// The axes of a curve panel, shared by the two sides of a comparison: ranges in plotted units, and whether an axis
/// is logarithmic. An axis turns logarithmic only to keep the paper's values on the same axes as ours when they lie
/// far outside our range (y: more than <see cref="LogFactor"/> times our largest value; x: more than twice our
/// largest core count), instead of drawing a second copy of the chart, and only where every value it would draw is
/// above zero. <see cref="Why"/> says so in the caption. <see cref="YMin"/>: on a logarithmic y axis the smallest value
/// drawn; on a linear one 0, or the lowest value drawn (a median, a CI's low end, a paper value or a guide) where one is
/// below 0, so that the axis holds every value it draws.
/// </summary>
public sealed record AxisPlan(double XMax, bool XLog, double YMin, double YMax, bool YLog, string? Why)
{
    public const double LogFactor = 4;

    public static AxisPlan For(IReadOnlyList<PanelData> panels)
    {
        double xOurs = 1, yOurs = 0, yOursMin = double.MaxValue, xPaper = 0, yPaper = 0, yPaperMin = double.MaxValue, yGuide = 0;
        double yLowest = 0; // the lowest value drawn, or 0 where none is below 0
        string yTitle = "";
        bool speedupGuide = false, bars = false;
        foreach (var p in panels)
        {
            bars |= p.Spec.Kind == PanelKind.Bars;
            yTitle = p.YTitle;
            double s = p.Spec.YScale;
            foreach (var r in p.Rows)
            {
                xOurs = Math.Max(xOurs, r.Cores);
                double hi = double.IsFinite(r.CiHigh) ? Math.Max(r.CiHigh, r.Median) : r.Median;
                double lo = double.IsFinite(r.CiLow) ? Math.Min(r.CiLow, r.Median) : r.Median;
                yOurs = Math.Max(yOurs, hi * s);
                if (lo > 0) yOursMin = Math.Min(yOursMin, lo * s);
                yLowest = Math.Min(yLowest, lo * s);
            }
            foreach (var v in p.Overlay)
            {
                xPaper = Math.Max(xPaper, v.Cores ?? 0);
                yPaper = Math.Max(yPaper, v.Value * s);
                if (v.Value > 0) yPaperMin = Math.Min(yPaperMin, v.Value * s);
                yLowest = Math.Min(yLowest, v.Value * s);
            }
            foreach (var g in p.Spec.Guides)
                if (g.Diagonal) speedupGuide = true;
                else { yGuide = Math.Max(yGuide, g.Value); yLowest = Math.Min(yLowest, g.Value); }
        }
        bool curves = !bars; // bar panels keep a linear y axis (from zero unless a value is below it) and have no core axis
        bool xLog = curves && xPaper > 2 * xOurs;
        double xMax = Math.Max(xOurs, xPaper);
        bool yLog = curves && yOurs > 0 && yPaper > LogFactor * yOurs && yOursMin < double.MaxValue && AllAboveZero(panels);
        double yMax = Math.Max(Math.Max(yOurs, yPaper), yGuide);
        if (speedupGuide) yMax = Math.Max(yMax, Math.Min(xMax, Math.Max(yOurs, 1) * 1.15));
        double yMin = yLog ? Math.Min(yOursMin, yPaperMin) : yLowest;
        var why = new List<string>();
        if (yLog) why.Add($"the y axis ({yTitle}) is logarithmic so that the paper's values, up to {NumberText.Format(yPaper)} on it, share the axes with ours, which stay below {NumberText.Format(yOurs)}");
        if (xLog) why.Add($"the x axis is logarithmic because the paper's values go to {xPaper:0} cores and ours to {xOurs:0}");
        return new AxisPlan(xMax, xLog, yMin, yMax > 0 ? yMax : 1, yLog, why.Count > 0 ? string.Join("; ", why) : null);
    }

    /// <summary>Whether every median and paper value the panels draw is above 0 (a log axis cannot draw the others).</summary>
    static bool AllAboveZero(IEnumerable<PanelData> panels) =>
        panels.All(p => p.Rows.All(r => r.Median > 0) && p.Overlay.All(v => v.Value > 0));

    /// <summary>
    /// The linear y axis's range: from 0 (or, where a value drawn is below 0, from <paramref name="headroom"/> times the
    /// span below <see cref="YMin"/>) to <paramref name="headroom"/> times <see cref="YMax"/> above it.
    /// </summary>
    public double[] LinearYRange(double headroom)
    {
        double top = YMax * (1 + headroom);
        return YMin < 0 ? [YMin - headroom * (YMax - YMin), top] : [0, top];
    }
}

namespace Report.Charts;

/// <summary>Ranges of both axes, in the plotted (scaled) units; shared by the two charts of a comparison.</summary>
public readonly record struct AxisRange(double XMax, double YMax)
{
    public AxisRange Union(AxisRange o) => new(Math.Max(XMax, o.XMax), Math.Max(YMax, o.YMax));
}

namespace Report.Catalog;

/// <summary>
/// A thin grey guide drawn on a panel: y = <see cref="Value"/> (e.g. a target ratio of 1.10), or, when
/// <see cref="Diagonal"/>, y = x (ideal speedup). Grey, so that it never counts as plotted data.
/// </summary>
public sealed record ReferenceLine(string Label, double Value, bool Diagonal = false)
{
    public static ReferenceLine Horizontal(double y, string label) => new(label, y);
    public static ReferenceLine IdealSpeedup { get; } = new("ideal speedup", 0, Diagonal: true);
}

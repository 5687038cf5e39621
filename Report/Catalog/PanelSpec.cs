namespace Report.Catalog;

/// <summary>
/// One panel of a figure: which rows it takes (<see cref="Selects"/>), how it draws them, its y axis (title, or ""
/// for "metric (unit)" of its rows; and a factor applied to our values so the axis reads like the paper's, e.g.
/// 1/1000 for "cycles x 1000"), the paper's values overlaid on the same axes, and grey guide lines. A row goes to the
/// first panel of its chapter that selects it. For bars, <see cref="Category"/> gives a row's x category (default:
/// the Series before '/'); the bar is the Series after '/'.
/// </summary>
public sealed record PanelSpec(
    string Title,
    PanelKind Kind,
    Func<ResultRow, bool> Selects,
    string YTitle = "",
    double YScale = 1.0,
    IReadOnlyList<PaperOverlay>? Overlays = null,
    IReadOnlyList<ReferenceLine>? References = null,
    Func<ResultRow, string>? Category = null)
{
    public IReadOnlyList<ReferenceLine> Guides => References ?? [];
    public IReadOnlyList<PaperOverlay> PaperOverlays => Overlays ?? [];

    /// <summary>The y axis title for rows of <paramref name="metric"/> in <paramref name="unit"/>.</summary>
    public string YAxisTitle(string metric, string unit) => YTitle.Length > 0 ? YTitle : $"{metric} ({unit})";

    /// <summary>A bar row's x category.</summary>
    public string CategoryOf(ResultRow r) => Category?.Invoke(r) ?? SeriesName.Group(r.Series);
}

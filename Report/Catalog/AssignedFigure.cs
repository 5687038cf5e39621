namespace Report.Catalog;

/// <summary>A figure and its panels' rows in one run.</summary>
public sealed record AssignedFigure(FigureSpec Spec, IReadOnlyList<AssignedPanel> Panels)
{
    public IEnumerable<ResultRow> Rows => Panels.SelectMany(p => p.Rows);
}

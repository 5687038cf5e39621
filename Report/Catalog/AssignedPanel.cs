namespace Report.Catalog;

/// <summary>A panel and the rows of one run it took (every kind: measured, failed, skipped).</summary>
public sealed record AssignedPanel(PanelSpec Spec, IReadOnlyList<ResultRow> Rows);

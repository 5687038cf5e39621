namespace Report.Catalog;

/// <summary>
/// One figure of the report: its title (seed and paper numbers), its panels (the paper's series first, extra
/// series in a second panel), the caption (what is measured, what is modelled), the paper-values.csv figures listed
/// beneath it, and its one-line reading for the first page, computed from its rows (null: nothing to say).
/// </summary>
public sealed record FigureSpec(
    string Id,
    FigureTitle Title,
    string Measured,
    string Modelled,
    IReadOnlyList<PanelSpec> Panels,
    IReadOnlyList<string> PaperFigures,
    Func<RowSet, string?> Reading);

namespace Report.Catalog;

/// <summary>
/// Figures for rows the catalog has no figure for: an unknown experiment folder, or rows of a known folder that no
/// panel selects. One panel per metric and unit: curves against cores where some series has several core counts,
/// else the rows go into one table.
/// </summary>
public static class GenericFigures
{
    public static FigureSpec For(string folder, string subject, IReadOnlyList<ResultRow> rows, bool otherRows = false)
    {
        var panels = new List<PanelSpec>();
        var groups = rows.GroupBy(r => (r.Metric, r.Unit)).ToList();
        var tabled = new HashSet<(string, string)>();
        foreach (var g in groups)
        {
            bool scales = g.GroupBy(r => r.Series).Any(s => s.Select(r => r.Cores).Distinct().Count() > 1);
            if (scales)
            {
                var key = g.Key;
                panels.Add(new PanelSpec(key.Metric, PanelKind.Lines, r => r.Metric == key.Metric && r.Unit == key.Unit));
            }
            else tabled.Add(g.Key);
        }
        if (tabled.Count > 0) panels.Add(new PanelSpec("Rows", PanelKind.Table, r => tabled.Contains((r.Metric, r.Unit))));
        return new FigureSpec(
            otherRows ? $"{folder}-other" : folder,
            new FigureTitle(null, null, subject),
            otherRows
                ? "Rows of this experiment that no figure above draws (new series or metrics); their notes say what they measure."
                : "As described by the experiment's meta.json notes and its rows' notes.",
            $"Not described in the report's catalog (Report/Catalog/ExperimentCatalog.cs).",
            panels, [], _ => null);
    }
}

using Report.Catalog;
using Report.Paper;

namespace Report.Charts;

/// <summary>
/// What one panel draws from one run: the panel's measured rows of one metric and unit (a panel whose rows have
/// several is drawn once per metric and unit), split into curves, and the paper's values that go on the same axes.
/// <see cref="Id"/> matches the same panel across two runs of a comparison.
/// </summary>
public sealed record PanelData(PanelSpec Spec, string Title, string Metric, string Unit, IReadOnlyList<SeriesPoints> Curves, IReadOnlyList<PaperValue> Overlay)
{
    public string Id => $"{Spec.Title}|{Metric}|{Unit}";

    /// <summary>The rows drawn (measured only).</summary>
    public IEnumerable<ResultRow> Rows => Curves.SelectMany(c => c.Rows);

    /// <summary>The y axis title of this panel.</summary>
    public string YTitle => Spec.YAxisTitle(Metric, Unit);

    public static IReadOnlyList<PanelData> Of(PanelSpec spec, IEnumerable<ResultRow> rows, PaperValues paper)
    {
        var measured = rows.Where(RowStatus.IsMeasured).ToList();
        if (measured.Count == 0 || spec.Kind is PanelKind.Listed or PanelKind.Table) return [];
        // Bars keep several metrics in one panel (the metric is part of the category, e.g. p50 and p99); lines do not.
        var groups = spec.Kind == PanelKind.Bars
            ? measured.GroupBy(r => (Metric: "", r.Unit)).ToList()
            : measured.GroupBy(r => (r.Metric, r.Unit)).ToList();
        return groups.Select(g =>
        {
            string title = groups.Count > 1 ? $"{spec.Title}: {(g.Key.Metric.Length > 0 ? g.Key.Metric : g.Key.Unit)}" : spec.Title;
            if (spec.Kind == PanelKind.Lines && spec.Guides.Count > 0) title += $" (dotted: {string.Join(", ", spec.Guides.Select(x => x.Label))})";
            var curves = spec.Kind == PanelKind.Bars
                ? SeriesPoints.From(g, r => SeriesName.Member(r.Series), spec.CategoryOf)
                : WithoutCommonGroup(SeriesPoints.From(g));
            return new PanelData(spec, title, g.Key.Metric, g.Key.Unit, curves, OverlayFor(spec, g.Key.Unit, paper));
        }).ToList();
    }

    /// <summary>"CG/mk", "CG/host" in one panel are named "mk", "host": the group is the panel's subject already.</summary>
    static IReadOnlyList<SeriesPoints> WithoutCommonGroup(IReadOnlyList<SeriesPoints> curves)
    {
        if (curves.Count == 0 || curves.Any(c => !c.Series.Contains('/'))) return curves;
        string group = SeriesName.Group(curves[0].Series);
        if (curves.Any(c => SeriesName.Group(c.Series) != group)) return curves;
        return curves.Select(c => c with { Name = c.Name[(group.Length + 1)..] }).ToList();
    }

    /// <summary>Paper values that can be drawn on this panel: its overlay figures, in its unit (and with a core count for curves).</summary>
    static IReadOnlyList<PaperValue> OverlayFor(PanelSpec spec, string unit, PaperValues paper) =>
        spec.PaperOverlays
            .Where(o => o.Unit.Equals(unit, StringComparison.OrdinalIgnoreCase))
            .SelectMany(o => paper.Values.Where(p => p.Figure == o.Figure && p.Unit.Equals(o.Unit, StringComparison.OrdinalIgnoreCase)
                && (spec.Kind == PanelKind.Bars || p.Cores is not null)))
            .ToList();

    /// <summary>Our series a paper value stands for (for its colour), if any.</summary>
    public string? OursFor(PaperValue p)
    {
        foreach (var o in Spec.PaperOverlays.Where(o => o.Figure == p.Figure))
            if (o.OursFor(p.Series) is { } s) return s;
        return Curves.Any(c => c.Name == p.Series) ? p.Series : null;
    }

    /// <summary>The bar category of a paper value (bar panels).</summary>
    public string? CategoryOf(PaperValue p) => Spec.PaperOverlays.FirstOrDefault(o => o.Figure == p.Figure)?.Category;
}

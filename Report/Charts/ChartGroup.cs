using Experiments.Schema;
using Report.Catalog;
using Report.Paper;

namespace Report.Charts;

/// <summary>
/// The rows of one experiment that share a chart (same chart key and unit), split into curves, with the
/// paper values that belong on it. Failed rows (Verified = fail) are not in <see cref="Series"/>.
/// </summary>
public sealed record ChartGroup(string Key, string Unit, ChartSpec Spec, IReadOnlyList<SeriesPoints> Series, IReadOnlyList<PaperValue> Overlay)
{
    public string Id => $"{Key}|{Unit}";

    public static IReadOnlyList<ChartGroup> Of(FigureSpec spec, IEnumerable<ResultRow> rows, PaperValues paper) =>
        rows.Where(r => r.Verified != "fail")
            .GroupBy(r => (Key: spec.ChartKey(r), r.Unit))
            .Select(g =>
            {
                var chart = spec.ChartFor(g.Key.Key, g.Key.Unit);
                return new ChartGroup(g.Key.Key, g.Key.Unit, chart, SeriesPoints.From(g), ScalingChart.Overlay(chart, g.Key.Unit, paper.Values));
            })
            .ToList();
}

using Experiments.Schema;

namespace Report.Charts;

/// <summary>
/// The points of one curve: rows of one Series (and one Param where a series has several) sorted by cores.
/// Invariant: <see cref="Rows"/> is non-empty, sorted by Cores, and holds no failed (Verified = fail) row.
/// </summary>
public sealed record SeriesPoints(string Name, IReadOnlyList<ResultRow> Rows)
{
    /// <summary>
    /// Splits rows into curves: one per Series, or per (Series, Param) when the same series has several Params.
    /// Failed rows are dropped here (they are listed as failures, never plotted). Order: first appearance.
    /// </summary>
    public static IReadOnlyList<SeriesPoints> From(IEnumerable<ResultRow> rows)
    {
        var usable = rows.Where(r => r.Verified != "fail").ToList();
        var paramsPerSeries = usable.GroupBy(r => r.Series).ToDictionary(g => g.Key, g => g.Select(r => r.Param).Distinct().Count());
        return usable
            .GroupBy(r => paramsPerSeries[r.Series] > 1 ? $"{r.Series} [{r.Param}]" : r.Series)
            .Select(g => new SeriesPoints(g.Key, g.OrderBy(r => r.Cores).ToList()))
            .ToList();
    }
}

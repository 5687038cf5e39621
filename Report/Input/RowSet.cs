using Report.Catalog;

namespace Report.Input;

/// <summary>
/// The measured rows of one experiment (or a part of it), with the look-ups the readings and the claims need.
/// Only <see cref="RowKind.Measured"/> rows are in it: a failed or skipped point never counts as a number.
/// </summary>
public sealed class RowSet
{
    public IReadOnlyList<ResultRow> Rows { get; }

    public RowSet(IEnumerable<ResultRow> rows) => Rows = rows.Where(RowStatus.IsMeasured).ToList();

    public static RowSet Empty { get; } = new([]);

    public bool IsEmpty => Rows.Count == 0;

    public RowSet Where(Func<ResultRow, bool> predicate) => new(Rows.Where(predicate));

    /// <summary>Rows whose Param has <paramref name="key"/> = <paramref name="value"/> (case-insensitive).</summary>
    public RowSet WithParam(string key, string value) =>
        Where(r => ParamText.Parse(r.Param).TryGetValue(key, out var v) && v.Equals(value, StringComparison.OrdinalIgnoreCase));

    /// <summary>Rows whose Param has no <paramref name="key"/>.</summary>
    public RowSet WithoutParam(string key) => Where(r => !ParamText.Parse(r.Param).ContainsKey(key));

    /// <summary>The points of one series and metric, sorted by cores (one per core count: the first row where there are several).</summary>
    public IReadOnlyList<ResultRow> Curve(string series, string metric) =>
        Rows.Where(r => r.Series == series && r.Metric == metric)
            .GroupBy(r => r.Cores).Select(g => g.First()).OrderBy(r => r.Cores).ToList();

    public ResultRow? At(string series, string metric, int cores) =>
        Rows.FirstOrDefault(r => r.Series == series && r.Metric == metric && r.Cores == cores);

    /// <summary>The row of the series and metric at its largest core count.</summary>
    public ResultRow? AtMostCores(string series, string metric) => Curve(series, metric).LastOrDefault();

    public bool Has(string series, string metric) => Rows.Any(r => r.Series == series && r.Metric == metric);

    public IReadOnlyList<string> SeriesNames => Rows.Select(r => r.Series).Distinct().ToList();
}

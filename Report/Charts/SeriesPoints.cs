using Report.Catalog;

namespace Report.Charts;

/// <summary>
/// The points of one curve: rows of one Series (and one set of distinguishing Param values where a series has
/// several rows at the same core count), sorted by cores.
/// Invariant: <see cref="Rows"/> is non-empty, sorted by Cores, and holds only <see cref="RowKind.Measured"/> rows.
/// </summary>
public sealed record SeriesPoints(string Name, string Series, IReadOnlyList<ResultRow> Rows)
{
    /// <summary>
    /// Splits rows into curves: one per Series, or, where a series has several rows at one core count, one per
    /// value of the Param keys that tell those rows apart (named "Series [key=value]"; keys whose values only change
    /// with the core count, such as the cores used, do not split a curve). Rows that are not measured values are
    /// dropped here (the report lists them as failed or skipped). Order: first appearance.
    /// </summary>
    public static IReadOnlyList<SeriesPoints> From(IEnumerable<ResultRow> rows) =>
        From(rows, r => r.Series, r => r.Cores.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The general form: a curve is named by <paramref name="nameOf"/> (e.g. the runtime "mk" of "web static/mk" for a
    /// bar chart) and split by Param where one name has several rows in one <paramref name="slotOf"/> (a core count,
    /// or a bar chart's category).
    /// </summary>
    public static IReadOnlyList<SeriesPoints> From(IEnumerable<ResultRow> rows, Func<ResultRow, string> nameOf, Func<ResultRow, string> slotOf)
    {
        var usable = rows.Where(RowStatus.IsMeasured).ToList();
        var curves = new List<SeriesPoints>();
        foreach (var series in usable.GroupBy(nameOf))
        {
            var keys = DistinguishingKeys(series.ToList(), slotOf);
            foreach (var curve in series.GroupBy(r => CurveName(series.Key, r.Param, keys)))
                curves.Add(new SeriesPoints(curve.Key, series.Key, curve.OrderBy(r => r.Cores).ToList()));
        }
        return curves;
    }

    /// <summary>The Param keys whose values differ between rows of the same slot; null: split by the whole Param.</summary>
    static IReadOnlyList<string>? DistinguishingKeys(IReadOnlyList<ResultRow> rows, Func<ResultRow, string> slotOf)
    {
        var byCores = rows.GroupBy(slotOf).Where(g => g.Select(r => r.Param).Distinct().Count() > 1).ToList();
        if (byCores.Count == 0) return [];
        var keys = new List<string>();
        foreach (var g in byCores)
        {
            var parsed = g.Select(r => ParamText.Parse(r.Param)).ToList();
            foreach (var key in parsed.SelectMany(p => p.Keys).Distinct(StringComparer.OrdinalIgnoreCase))
                if (parsed.Select(p => p.TryGetValue(key, out var v) ? v : "").Distinct().Count() > 1 && !keys.Contains(key, StringComparer.OrdinalIgnoreCase))
                    keys.Add(key);
        }
        return keys.Count > 0 ? keys : null;
    }

    static string CurveName(string series, string param, IReadOnlyList<string>? keys)
    {
        if (keys is null) return $"{series} [{param}]";
        if (keys.Count == 0) return series;
        var p = ParamText.Parse(param);
        return $"{series} [{string.Join(", ", keys.Select(k => $"{k}={(p.TryGetValue(k, out var v) ? v : "")}"))}]";
    }
}

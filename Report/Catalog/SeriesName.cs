namespace Report.Catalog;

/// <summary>
/// The parts of a Series name the report uses: "CG/mk" is benchmark (group) "CG" and runtime (member) "mk";
/// "MSG8-pipelined" is base "MSG8" with variant "pipelined"; "URPC one-way (processes)" has variant "processes";
/// "SHM8 (C)" is Fig 1's C twin of SHM8.
/// </summary>
public static class SeriesName
{
    /// <summary>The part before the first '/', or the whole name.</summary>
    public static string Group(string series) => series.Contains('/') ? series[..series.IndexOf('/')] : series;

    /// <summary>The part after the first '/', or the whole name.</summary>
    public static string Member(string series) => series.Contains('/') ? series[(series.IndexOf('/') + 1)..] : series;

    /// <summary>Variant suffixes a series of the paper may carry; each keeps its base series' colour with its own line style.</summary>
    public static readonly string[] Variants = ["atomic", "pipelined", "raw", "processes", "C"];

    /// <summary>Splits "MSG8-pipelined" into ("MSG8", "pipelined") and "X (processes)" into ("X", "processes"); no known variant: (name, null).</summary>
    public static (string Base, string? Variant) SplitVariant(string name)
    {
        foreach (var v in Variants)
        {
            if (name.EndsWith("-" + v, StringComparison.OrdinalIgnoreCase)) return (name[..^(v.Length + 1)], v);
            if (name.EndsWith($" ({v})", StringComparison.OrdinalIgnoreCase)) return (name[..^(v.Length + 3)], v);
        }
        return (name, null);
    }
}

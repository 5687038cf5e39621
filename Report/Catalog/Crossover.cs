namespace Report.Catalog;

/// <summary>Where one curve (lower is better) first beats another, comparing medians at the core counts both have.</summary>
public static class Crossover
{
    /// <summary>The smallest core count at which <paramref name="a"/>'s median is below <paramref name="b"/>'s; null if none.</summary>
    public static int? First(IReadOnlyList<ResultRow> a, IReadOnlyList<ResultRow> b)
    {
        foreach (var p in a.OrderBy(r => r.Cores))
        {
            var q = b.FirstOrDefault(r => r.Cores == p.Cores);
            if (q is not null && p.Median < q.Median) return p.Cores;
        }
        return null;
    }

    /// <summary>The smallest core count from which on <paramref name="a"/> stays below <paramref name="b"/> at every common count; null if not at the largest.</summary>
    public static int? From(IReadOnlyList<ResultRow> a, IReadOnlyList<ResultRow> b)
    {
        var common = a.Where(p => b.Any(q => q.Cores == p.Cores)).OrderBy(r => r.Cores)
            .Select(p => (p.Cores, Below: p.Median < b.First(q => q.Cores == p.Cores).Median)).ToList();
        int? from = null;
        foreach (var (cores, below) in common)
            from = below ? from ?? cores : null;
        return from;
    }
}

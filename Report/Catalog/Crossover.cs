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

    /// <summary>
    /// Where <paramref name="a"/> first beats <paramref name="b"/>, in words: "first faster at 3 cores" (and from where on
    /// it stays faster, where that is later), or, where it is not faster at the largest core count both have, that count
    /// too, so a lead at small core counts never reads as a crossover. Null where it is never faster.
    /// </summary>
    public static string? FirstFasterText(IReadOnlyList<ResultRow> a, IReadOnlyList<ResultRow> b)
    {
        if (First(a, b) is not { } first) return null;
        string text = $"first faster at {FigureReadings.Cores(first)}";
        if (From(a, b) is { } from) return from == first ? text : $"{text}, faster from {FigureReadings.Cores(from)} on";
        int largest = a.Where(p => b.Any(q => q.Cores == p.Cores)).Max(p => p.Cores);
        return $"{text}, but not faster at {FigureReadings.Cores(largest)}, the largest core count measured";
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

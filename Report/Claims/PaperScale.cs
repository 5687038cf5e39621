using System.Globalization;
using Report.Paper;

namespace Report.Claims;

/// <summary>
/// Where the paper's scale claims take effect, read from its values (<see cref="PaperValues.BuiltIn"/>, the copy of
/// <c>paper-values.csv</c> the report carries): a claim that something wins "once enough cores take part" can be
/// refuted only by a run that reaches the core count at which the paper shows it winning: below that, the paper itself
/// shows it losing (Fig 7's unmap at 2 cores) or says nothing, so a run that stops short cannot refute the claim.
/// </summary>
public static class PaperScale
{
    static readonly IReadOnlyList<PaperValue> Values = PaperValues.BuiltIn().Values;

    /// <summary>
    /// The core count at which the paper states the cost of shared-memory updates (SHM8 "almost 12,000 extra cycles per
    /// update with 16 cores"): the scale of its Fig 3 claim.
    /// </summary>
    public static int SharedStateCores => SharedStateValue.Cores!.Value;

    /// <summary>The paper's words for that value, for a verdict's reason.</summary>
    public static string SharedStateStatement => SharedStateValue.Note;

    static readonly PaperValue SharedStateValue = Values.Where(v => v is { Figure: "fig3-shared-state", Series: "SHM8", Cores: not null })
        .MaxBy(v => v.Cores)!;

    /// <summary>
    /// The core count at which the paper's Fig 7 curves cross: Barrelfish's unmap and Linux's, each a straight line
    /// through the paper's two approximate readings (2 and 32 cores), rounded up. With the values carried today:
    /// Barrelfish 10,300 and 17,500 cycles, Linux 5,200 and 29,500, crossing at 10.9, so 11 cores.
    /// </summary>
    public static int UnmapCrossoverCores { get; } = Crossing("fig7-unmap", "Barrelfish", "Linux 2.6.26");

    /// <summary>What <see cref="UnmapCrossoverCores"/> is read from, for a verdict's reason.</summary>
    public static string UnmapReadings { get; } = Readings("fig7-unmap", "Barrelfish", "Linux 2.6.26");

    /// <summary>The first whole core count from which series <paramref name="a"/>'s line lies below <paramref name="b"/>'s.</summary>
    internal static int Crossing(string figure, string a, string b)
    {
        var (a0, a1, c0, c1) = Ends(figure, a);
        var (b0, b1, d0, d1) = Ends(figure, b);
        if ((c0, c1) != (d0, d1)) throw new InvalidOperationException($"paper values: {figure} {a} and {b} are read at different core counts");
        double gapLow = a0 - b0, gapHigh = a1 - b1;
        if (gapLow <= 0 || gapHigh >= 0)
            throw new InvalidOperationException($"paper values: {figure} {a} is not above {b} at {c0} cores and below it at {c1}");
        double at = c0 + gapLow * (c1 - c0) / (gapLow - gapHigh);
        return (int)Math.Ceiling(at);
    }

    static (double Low, double High, int LowCores, int HighCores) Ends(string figure, string series)
    {
        var points = Values.Where(v => v.Figure == figure && v.Series == series && v.Cores is not null).OrderBy(v => v.Cores).ToList();
        if (points.Count < 2) throw new InvalidOperationException($"paper values: {figure} {series} needs readings at two core counts");
        return (points[0].Value, points[^1].Value, points[0].Cores!.Value, points[^1].Cores!.Value);
    }

    static string Readings(string figure, string a, string b)
    {
        var (a0, a1, c0, c1) = Ends(figure, a);
        var (b0, b1, _, _) = Ends(figure, b);
        return string.Create(CultureInfo.InvariantCulture,
            $"{a} {a0:#,0} vs {b} {b0:#,0} cycles at {c0} cores, {a1:#,0} vs {b1:#,0} at {c1}, read off its plot");
    }
}

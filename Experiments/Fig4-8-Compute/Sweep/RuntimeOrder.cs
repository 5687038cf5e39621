namespace Compute.Sweep;

/// <summary>
/// The order in which one repetition of a sweep point runs its k runtimes: row r mod P of a Williams design (a
/// balanced Latin square; P = k for even k, 2k for odd k, where the second k rows are the first k reversed).
/// <para>Invariants: every row is a permutation of 0..k-1 (each runtime runs exactly once per repetition); rows
/// 0..k-1 form a Latin square, as do rows k..2k-1 for odd k (over k repetitions each runtime is in each position
/// once); over one period every runtime directly follows every other one equally often (once for even k, twice for
/// odd k), so what a run leaves behind (warm caches, a spinning thread, heat) falls on every runtime alike.</para>
/// </summary>
public static class RuntimeOrder
{
    /// <summary>Repetitions after which the orders repeat: k for even k, 2k for odd k (1 for k = 1).</summary>
    public static int Period(int runtimes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runtimes, 1);
        return runtimes == 1 ? 1 : runtimes % 2 == 0 ? runtimes : 2 * runtimes;
    }

    /// <summary>The runtimes' indices (into the sweep's runtime list) in the order repetition <paramref name="repetition"/> (0-based) runs them.</summary>
    public static int[] Of(int repetition, int runtimes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(repetition);
        int period = Period(runtimes);
        int row = repetition % period;
        int shift = row % runtimes;
        // Row 0 is 0, 1, k-1, 2, k-2, ...; row i adds i mod k to each entry; for odd k, rows k..2k-1 are rows 0..k-1 reversed.
        var order = new int[runtimes];
        int lo = 1, hi = runtimes - 1;
        for (int p = 0; p < runtimes; p++)
        {
            int first = p == 0 ? 0 : p % 2 == 1 ? lo++ : hi--;
            order[p] = (first + shift) % runtimes;
        }
        if (row >= runtimes) Array.Reverse(order);
        return order;
    }

    /// <summary>The scheme in words, for meta.json.</summary>
    public const string Scheme =
        "each repetition runs every runtime once; repetition r (0-based) runs them in the order of row r mod P of a Williams " +
        "balanced Latin square over the runtimes (P = k runtimes for even k, 2k for odd k), so over P repetitions every runtime " +
        "is in every position equally often and directly follows every other runtime equally often";
}

namespace Benchmarks.Suite;

/// <summary>The directly stamped one-way latencies (cycles) of the last <see cref="Capacity"/> OneWay messages.</summary>
public static class OneWayStamps
{
    public const int Capacity = 1 << 16;
    public const ulong Mask = Capacity - 1;
    static double[] s_latest = [];

    /// <summary>Copies the ring's valid entries (called from GlobalCleanup, outside the measurement).</summary>
    public static void Publish(ulong[] ring, ulong count)
    {
        int n = (int)Math.Min(count, (ulong)ring.Length);
        var copy = new double[n];
        // Differences of two TSCs; a tiny negative value (TSC skew) wraps around as ulong, so read them as signed.
        for (int i = 0; i < n; i++) copy[i] = (long)ring[i];
        s_latest = copy;
    }

    public static IReadOnlyList<double> Latest => s_latest;
}

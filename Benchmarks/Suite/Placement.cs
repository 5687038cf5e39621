using System.Collections.Concurrent;

namespace Benchmarks.Suite;

/// <summary>Where one benchmark case ran: the cores asked for and what sched_getcpu reported after pinning.</summary>
public sealed record PlacementRecord(int LocalCore, int LocalObserved, int RemoteCore, int RemoteObserved, bool WorkloadOnPinnedThread)
{
    /// <summary>"0->1" for two-core cases, "0" for same-core ones; "(unpinned!)" when the workload left the pinned thread.</summary>
    public string Describe() =>
        (RemoteCore >= 0 ? $"{LocalCore}->{RemoteCore}" : $"{LocalCore}")
        + (LocalObserved != LocalCore || (RemoteCore >= 0 && RemoteObserved != RemoteCore) ? $" (observed {LocalObserved},{RemoteObserved}!)" : "")
        + (WorkloadOnPinnedThread ? "" : " (workload ran on an unpinned thread!)");
}

/// <summary>
/// Placement of each benchmark case in this process, recorded by GlobalSetup and read by the columns and the summary
/// (the in-process toolchain runs the cases and builds the summary in the same process).
/// </summary>
public static class Placement
{
    static readonly ConcurrentDictionary<string, PlacementRecord> s_records = new();

    public static void Record(string benchmark, PlacementRecord record) => s_records[benchmark] = record;

    public static void MarkUnpinned(string benchmark)
    {
        if (s_records.TryGetValue(benchmark, out var r)) s_records[benchmark] = r with { WorkloadOnPinnedThread = false };
    }

    public static PlacementRecord? Of(string benchmark) => s_records.TryGetValue(benchmark, out var r) ? r : null;
}

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

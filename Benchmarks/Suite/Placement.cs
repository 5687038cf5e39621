using System.Collections.Concurrent;

namespace Benchmarks.Suite;

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

using Compute.Runtimes;
using Experiments.Common;
using Npb.Runtime;

namespace Compute.Tests;

/// <summary>The runtimes the tests run kernels on: serial, both host baselines and the multikernel threads, with 1 and 2 workers.</summary>
public static class TestRuntimes
{
    /// <summary>Two cores for a 2-worker pinned runtime: the first two allowed, or the only one twice.</summary>
    public static int[] Cores(int workers)
    {
        var allowed = CoreList.Allowed();
        return Enumerable.Range(0, workers).Select(i => allowed[i % allowed.Count]).ToArray();
    }

    public static IParallelRuntime Create(string name, int workers) => name switch
    {
        "serial" => new SerialRuntime(),
        "host" => new ParallelForRuntime(workers),
        "pinned" => new PinnedThreadsRuntime(Cores(workers)),
        "mk" => new MultikernelThreadsRuntime(Cores(workers).Distinct().ToArray()),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string, int> All => new()
    {
        { "serial", 1 }, { "host", 1 }, { "host", 2 }, { "pinned", 1 }, { "pinned", 2 }, { "mk", 1 }, { "mk", 2 },
    };
}

using Compute.Runtimes;
using Experiments.Common;
using Npb.Runtime;
using Splash.Team;

namespace Compute.Tests;

/// <summary>The runtimes the tests run kernels and teams on: serial, the three host baselines and the multikernel threads, with 1 and 2 workers.</summary>
public static class TestRuntimes
{
    /// <summary>Two cores for a 2-worker pinned runtime: the first two allowed, or the only one twice.</summary>
    public static int[] Cores(int workers)
    {
        var allowed = CoreList.Allowed();
        return Enumerable.Range(0, workers).Select(i => allowed[i % allowed.Count]).ToArray();
    }

    /// <summary>Whether <paramref name="workers"/> distinct cores exist (the multikernel needs one core per dispatcher).</summary>
    public static bool HasCores(int workers) => CoreList.Allowed().Count >= workers;

    public static IParallelRuntime Create(string name, int workers) => name switch
    {
        "serial" => new SerialRuntime(),
        _ => CreateCompute(name, workers),
    };

    /// <summary>A runtime with both the loop and the team contract (not serial). Skips the test visibly where the
    /// multikernel cannot get one core per worker (it would run fewer workers than asked for).</summary>
    public static IComputeRuntime CreateCompute(string name, int workers)
    {
        SkipUnlessCores(name, workers);
        return CreateRuntime(name, workers);
    }

    static IComputeRuntime CreateRuntime(string name, int workers) => name switch
    {
        "host" => new ParallelForRuntime(workers),
        "pinned" => new PinnedThreadsRuntime(Cores(workers)),
        "host-spin" => new PinnedThreadsRuntime(Cores(workers), WaitPolicy.SpinThenBlock),
        "mk" => new MultikernelThreadsRuntime(Cores(workers).Distinct().ToArray()),
        _ => throw new ArgumentException(name),
    };

    /// <summary>A team runtime: the serial team or any runtime with the team contract.</summary>
    public static ITeamRuntime CreateTeam(string name, int workers) => name == "serial" ? new SerialTeam() : CreateCompute(name, workers);

    public static void Dispose(ITeamRuntime runtime) => (runtime as IDisposable)?.Dispose();

    public static TheoryData<string, int> All => new()
    {
        { "serial", 1 }, { "host", 1 }, { "host", 2 }, { "pinned", 1 }, { "pinned", 2 }, { "host-spin", 1 }, { "host-spin", 2 }, { "mk", 1 }, { "mk", 2 },
    };

    /// <summary>Runtimes with two or more workers, for the concurrency tests of teams.</summary>
    public static TheoryData<string, int> Parallel => new()
    {
        { "host", 2 }, { "host", 4 }, { "pinned", 2 }, { "host-spin", 2 }, { "mk", 2 },
    };

    /// <summary>Skips the test visibly where the multikernel cannot get one core per worker.</summary>
    public static void SkipUnlessCores(string name, int workers) =>
        Assert.SkipWhen(name == "mk" && !HasCores(workers), $"the multikernel needs {workers} distinct cores; this machine allows {CoreList.Allowed().Count}");
}

using Experiments.Common;
using Multikernel.Hardware;

namespace Benchmarks.Suite;

/// <summary>
/// The two cores the URPC benchmarks run on: <see cref="Local"/> runs the benchmark thread (the caller, pinned in
/// GlobalSetup), <see cref="Remote"/> runs the long-lived peer thread. Chosen by <c>run --cores a,b</c> (passed to the
/// in-process benchmarks through the environment variable <see cref="EnvironmentVariable"/>); by default the first
/// two cores of the process's affinity mask.
/// </summary>
public readonly record struct BenchmarkCores(int Local, int Remote)
{
    public const string EnvironmentVariable = "URPC_BENCH_CORES";

    public override string ToString() => $"{Local},{Remote}";

    /// <summary>Parses "a,b" (two different allowed cores); throws <see cref="FormatException"/> saying what is allowed.</summary>
    public static BenchmarkCores Parse(string text, IReadOnlyList<int> allowed)
    {
        int[] cores = CoreList.Parse(text, allowed);
        if (cores.Length != 2)
            throw new FormatException($"--cores: '{text}' names {cores.Length} core(s); give exactly two different cores 'a,b' (benchmark thread, peer thread) from the allowed cores {CoreList.Format(allowed)}");
        return new BenchmarkCores(cores[0], cores[1]);
    }

    /// <summary>The cores for this process: from <see cref="EnvironmentVariable"/> if set, else the first two allowed.</summary>
    public static BenchmarkCores Resolve()
    {
        var allowed = CoreAffinity.AllowedCpus();
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Parse(env, allowed);
        if (allowed.Count < 2)
            throw new InvalidOperationException($"the URPC benchmarks need two cores, but this process may only use core(s) {CoreList.Format(allowed)}");
        return new BenchmarkCores(allowed[0], allowed[1]);
    }
}

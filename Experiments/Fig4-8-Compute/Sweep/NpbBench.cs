using Compute.Runtimes;
using Npb;

namespace Compute.Sweep;

/// <summary>
/// A NAS kernel (CG, FT, IS) of one class: the benchmark object is created once and reused by every point; each
/// repetition is one run, NPB's timed region, verified against the official values. No warm-up run: the program runs
/// without tiered compilation, so the first run is fully optimised, and each run's untimed part runs every loop of its
/// timed region first, so none is compiled while timed (<see cref="INpbBenchmark.InTimedRegion"/>).
/// </summary>
public sealed class NpbBench(string bench, ProblemClass cls) : ComputeBench
{
    INpbBenchmark? _benchmark;

    public override string Name => bench.ToUpperInvariant();
    public override string Param => $"bench={bench};class={cls}";
    public override string Label => $"{Name}.{cls}";
    public override string Description => $"NAS {Name} class {cls}: NPB 3.3's timed region and Mop/s, verified against the official values";
    public override double Weight => bench switch { "cg" => 1.0, "ft" => 2.0, _ => 0.5 };
    public override bool CountsOperations => true;

    public override BenchRun RunOnce(IComputeRuntime runtime)
    {
        var benchmark = _benchmark ??= NpbSuite.Create(bench, cls);
        var run = runtime is IHostedRuntime hosted ? hosted.Execute(() => benchmark.Run(runtime)) : benchmark.Run(runtime);
        return run.Verified
            ? new BenchRun(true, run.Seconds, run.Mops, run.Detail, 0)
            : BenchRun.Failed($"verification failed: {run.Detail}");
    }

    public override string Summarize(IReadOnlyList<BenchRun> runs) => runs[^1].Detail;

    public override void Release() => _benchmark = null;
}

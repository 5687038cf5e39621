using Compute.Runtimes;
using Npb;

namespace Compute.Sweep;

/// <summary>
/// A NAS kernel (CG, FT, IS) of one class: the benchmark object is created once and reused by every point; each
/// repetition is NPB's timed region, verified against the official values. No warm-up run (the program runs without
/// tiered compilation, so the first run is fully optimised).
/// </summary>
public sealed class NpbBench(string bench, ProblemClass cls) : ComputeBench
{
    INpbBenchmark? _benchmark;

    public override string Name => bench.ToUpperInvariant();
    public override string Param => $"bench={bench};class={cls}";
    public override string Label => $"{Name}.{cls}";
    public override string Description => $"NAS {Name} class {cls}: NPB 3.3's timed region and Mop/s, verified against the official values";
    public override double Weight => bench switch { "cg" => 1.0, "ft" => 2.0, _ => 0.5 };

    public override PointOutcome Measure(IComputeRuntime runtime, int repetitions)
    {
        var benchmark = _benchmark ??= NpbSuite.Create(bench, cls);
        var runs = new List<NpbResult>(repetitions);
        for (int r = 0; r < repetitions; r++)
            runs.Add(runtime is IHostedRuntime hosted ? hosted.Execute(() => benchmark.Run(runtime)) : benchmark.Run(runtime));
        var failed = runs.Where(r => !r.Verified).ToList();
        string note = failed.Count > 0 ? $"verification failed in {failed.Count} of {runs.Count} runs: {failed[0].Detail}" : runs[^1].Detail;
        return new PointOutcome(runs.Select(r => r.Seconds).ToArray(), runs.Select(r => r.Mops).ToArray(), failed.Count == 0, note);
    }

    public override void Release() => _benchmark = null;
}

using System.Globalization;
using Compute.Runtimes;
using Splash.Radiosity;

namespace Compute.Sweep;

/// <summary>
/// SPLASH-2 RADIOSITY on one input. A repetition builds the program for the runtime's team, runs it once untimed
/// (warm-up: its object arenas reach their size) and then once timed; every run is verified
/// (<see cref="RadiosityVerifier"/>). The note gives the result (elements, interactions, iterations) and the bytes
/// allocated during the iterations on the workers' threads.
/// </summary>
public sealed class RadiosityBench(RadiosityInput input) : ComputeBench
{
    public RadiosityInput Input => input;
    public override string Name => "RADIOSITY";
    public override string Param => string.Create(CultureInfo.InvariantCulture,
        $"bench=radiosity;input={input.Name};ae={input.AreaEpsilon};bf={input.BfEpsilon};en={input.EnergyEpsilon}");
    public override string Label => $"RADIOSITY.{input.Name}";
    public override string Description => $"SPLASH-2 RADIOSITY, {input}; timed region: the team run (model, iterations, vertex averaging); " +
        "verified against the original's statistics and energy trace (1 worker) or its band (more workers)";
    public override double Weight => input.Name == "base" ? 300 : 1;

    public override BenchRun RunOnce(IComputeRuntime runtime)
    {
        var program = new HierarchicalRadiosity(input, runtime);
        var warmUp = RadiosityVerifier.Verify(input, program.Run());
        if (!warmUp.Passed) return BenchRun.Failed($"warm-up run: {warmUp.Summary()}");
        var run = WithThreadActivity(runtime, program.Run, out var threadNote);
        var checks = RadiosityVerifier.Verify(input, run);
        if (!checks.Passed) return BenchRun.Failed(checks.Summary());
        var s = run.Statistics;
        return new BenchRun(true, run.Seconds, null, string.Create(CultureInfo.InvariantCulture,
            $"all checks passed in every run; last run: {run.Iterations} iterations, {s.Patches} patches, {s.Elements} elements, " +
            $"{s.Interactions} interactions ({s.Visible} visible, {s.Invisible} invisible, {s.PartiallyVisible} partial){threadNote}"), run.RefinementBytes);
    }

    public override string Summarize(IReadOnlyList<BenchRun> runs) => string.Create(CultureInfo.InvariantCulture,
        $"{runs[^1].Detail}; iteration-phase allocations {BenchRun.Allocations(runs)}; " +
        $"1 untimed warm-up run before each timed run");
}

using System.Globalization;
using Compute.Runtimes;
using Splash.Radiosity;

namespace Compute.Sweep;

/// <summary>
/// SPLASH-2 RADIOSITY on one input. A point builds the program for the runtime's team, runs it once untimed (warm-up:
/// its object arenas reach their size) and then <c>repetitions</c> timed runs; every run is verified
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

    public override PointOutcome Measure(IComputeRuntime runtime, int repetitions)
    {
        var program = new HierarchicalRadiosity(input, runtime);
        var warmUp = program.Run();
        var first = RadiosityVerifier.Verify(input, warmUp);
        if (!first.Passed) return new PointOutcome([], null, false, $"warm-up run: {first.Summary()}");
        var seconds = new List<double>(repetitions);
        long bytes = 0;
        RadiosityRun last = warmUp;
        for (int r = 0; r < repetitions; r++)
        {
            last = program.Run();
            var checks = RadiosityVerifier.Verify(input, last);
            if (!checks.Passed) return new PointOutcome(seconds, null, false, $"run {r + 1}: {checks.Summary()}");
            seconds.Add(last.Seconds);
            bytes += last.RefinementBytes;
        }
        var s = last.Statistics;
        return new PointOutcome(seconds, null, true, string.Create(CultureInfo.InvariantCulture,
            $"all checks passed in every run; last run: {last.Iterations} iterations, {s.Patches} patches, {s.Elements} elements, " +
            $"{s.Interactions} interactions ({s.Visible} visible, {s.Invisible} invisible, {s.PartiallyVisible} partial); " +
            $"iteration-phase allocations {bytes} B over {repetitions} runs; 1 untimed warm-up run"));
    }
}

using System.Globalization;
using Compute.Runtimes;
using Splash.Barnes;
using Splash.Team;

namespace Compute.Sweep;

/// <summary>
/// SPLASH-2 BARNES on one input. A point builds the simulation for the runtime's team, runs it once untimed (warm-up:
/// first touch of the pools) and then <c>repetitions</c> timed runs, each from the same initial conditions; every run
/// is verified (<see cref="BarnesVerifier"/>) against the reference (standard input), conservation, and a one-worker
/// run of this code made once per sweep. The note also gives the bytes allocated in the force loops.
/// </summary>
public sealed class BarnesBench(BarnesInput input) : ComputeBench
{
    BarnesRun? _oneWorker;

    public BarnesInput Input => input;
    public override string Name => "BARNES";
    public override string Param => $"bench=barnes;input={input.Name};bodies={input.Bodies};steps={input.Steps}";
    public override string Label => $"BARNES.{input.Name}";
    public override string Description => $"SPLASH-2 BARNES, {input}; timed region: all steps (the team run); " +
        $"verified against the original's values{(BarnesVerifier.HasReference(input) ? "" : " (none for this input: conservation and agreement with one worker only)")}";
    public override double Weight => input.Bodies / 16384.0 * input.Steps / 4.0;

    /// <summary>The one-worker run every point is compared with (made on first use, on a serial team).</summary>
    public BarnesRun OneWorker => _oneWorker ??= new BarnesHut(input, new SerialTeam()).Run();

    public override PointOutcome Measure(IComputeRuntime runtime, int repetitions)
    {
        var reference = OneWorker;
        var sim = new BarnesHut(input, runtime);
        var warmUp = sim.Run();
        var first = BarnesVerifier.Verify(input, warmUp, reference);
        if (!first.Passed) return new PointOutcome([], null, false, $"warm-up run: {first.Summary()}");
        var seconds = new List<double>(repetitions);
        long bytes = 0;
        Splash.Verification.CheckList last = first;
        for (int r = 0; r < repetitions; r++)
        {
            var run = sim.Run();
            last = BarnesVerifier.Verify(input, run, reference);
            if (!last.Passed) return new PointOutcome(seconds, null, false, $"run {r + 1}: {last.Summary()}");
            seconds.Add(run.Seconds);
            bytes += run.ForceLoopBytes;
        }
        var energy = last.Checks.First(c => c.Name == "energy conservation");
        return new PointOutcome(seconds, null, true, string.Create(CultureInfo.InvariantCulture,
            $"{last.Summary()} in every run ({string.Join("; ", last.Checks.Select(c => c.Name))}); {energy.Detail}; " +
            $"force-loop allocations {bytes} B over {repetitions} runs; 1 untimed warm-up run"));
    }
}

using System.Globalization;
using Compute.Runtimes;
using Splash.Barnes;
using Splash.Team;

namespace Compute.Sweep;

/// <summary>
/// SPLASH-2 BARNES on one input. A repetition builds the simulation for the runtime's team, runs it once untimed
/// (warm-up: first touch of the pools) and then once timed, each from the same initial conditions; every run is
/// verified (<see cref="BarnesVerifier"/>) against the reference (standard input), conservation, and a one-worker run
/// of this code made once per sweep. The note also gives the bytes allocated in the force loops.
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

    public override BenchRun RunOnce(IComputeRuntime runtime)
    {
        var reference = OneWorker;
        var sim = new BarnesHut(input, runtime);
        var warmUp = BarnesVerifier.Verify(input, sim.Run(), reference);
        if (!warmUp.Passed) return BenchRun.Failed($"warm-up run: {warmUp.Summary()}");
        var run = WithThreadActivity(runtime, sim.Run, out var threadNote);
        var checks = BarnesVerifier.Verify(input, run, reference);
        if (!checks.Passed) return BenchRun.Failed(checks.Summary());
        var energy = checks.Checks.First(c => c.Name == "energy conservation");
        return new BenchRun(true, run.Seconds, null,
            $"{checks.Summary()} in every run ({string.Join("; ", checks.Checks.Select(c => c.Name))}); {energy.Detail}; last run: {run.Phases.Describe()}{threadNote}",
            run.ForceLoopBytes);
    }

    public override string Summarize(IReadOnlyList<BenchRun> runs) => string.Create(CultureInfo.InvariantCulture,
        $"{runs[^1].Detail}; force-loop allocations {BenchRun.Allocations(runs)}; " +
        $"1 untimed warm-up run before each timed run");
}

using System.Globalization;
using Compute.Cli;
using Compute.Runtimes;
using Experiments.Common;

namespace Compute.Sweep;

/// <summary>
/// Runs the compute experiment: for each benchmark, each core count of the sweep and each runtime (interleaved, so
/// runtimes at one core count run back to back on the same cores), one point. After every point results.csv and
/// meta.json are rewritten atomically, meta.json listing the points not yet run, so an interrupted run keeps what it
/// measured and says what is missing. Exit codes as every experiment program: 0 all verified, 1 a point failed or
/// failed its checks, 130 interrupted (Ctrl-C stops after the current point).
/// </summary>
public sealed class ComputeSweep(ComputeSettings settings, TextWriter output, TextWriter error)
{
    readonly Dictionary<string, double> _oneCore = new();
    ComputeBench? _current;

    public int Run(CancellationToken cancel)
    {
        var s = settings;
        int[] counts = CoreList.SweepCounts(s.Cores.Count, s.Profile == "quick");
        var benches = s.Benchmarks.Select(b => ComputeProfile.CreateBench(b, s)).ToList();
        var points = new List<SweepPoint>();
        foreach (var bench in benches)
            foreach (int c in counts)
                foreach (var rt in s.Runtimes)
                    points.Add(new SweepPoint(bench, rt, c));

        var meta = RunMeta.Describe(PointRows.Experiment, s.Cores, s.Profile);
        meta.PollBudgetCycles["cpu-driver"] = MultikernelThreadsRuntime.SystemOptions.WaitPolicy.PollCycles;
        meta.PollBudgetCycles["domain"] = MultikernelThreadsRuntime.DomainOptions.WaitPolicy.PollCycles;
        meta.Notes.Add($"profile {s.Profile}: {s.Repetitions} timed repetition(s) per point");
        foreach (var b in benches) meta.Notes.Add($"{b.Label}: {b.Description}");
        meta.Notes.Add("runtimes: mk = the multikernel's threads package (NAS loops: fork-join by URPC messages between the dispatchers; " +
                       "SPLASH teams: a user thread per dispatcher with the package's Mutex (adaptive: a short poll of a mutex held on another core, then park), CondVar and Barrier; " +
                       "a dispatcher whose threads wait keeps polling for the domain's budget before it may sleep); " +
                       "host = Parallel.For over the workers' static blocks (thread-pool threads; SPLASH teams on new unpinned threads per run, as pthreads), " +
                       "pinned = one .NET thread per core pinned with sched_setaffinity, fork-join with System.Threading.Barrier, team barriers spinning 20 us then sleeping (blocking); " +
                       $"host-spin = the same pinned threads with a spin-then-block barrier (spin up to {Splash.Team.SpinThenBlockBarrier.DefaultSpinBudget.TotalMilliseconds} ms, OpenMP's active wait; " +
                       "the multikernel's dispatchers poll as long after a region); host locks are Monitor locks in all three");
        meta.Notes.Add("JIT: tiered compilation is off for this program, so every method runs fully optimised from its first call");
        meta.Notes.Add($"sweep: first k cores of {CoreList.Format(s.Cores)} for k in {string.Join(",", counts)}");
        meta.Notes.Add($"load average at start: {LoadAverage.Read()}");

        var rec = new ExperimentRecorder(s.ExperimentDir, meta, points.Select(p => p.Label));
        var planned = points.Select(p => new PlannedPoint(p.Label, s.Repetitions * p.Bench.Weight / p.Cores, () => Measure(p))).ToList();
        var runner = new SweepRunner
        {
            Program = "compute",
            FailureKind = "a verification check or a point",
            FormatRow = r => string.Create(CultureInfo.InvariantCulture,
                $"  {r.Series,-18} cores={r.Cores,-3} {r.Metric,-8} {r.Median,10:G5} {r.Unit,-5} [{r.CiLow:G5}, {r.CiHigh:G5}] n={r.Samples} {r.Verified}"),
        };
        error.WriteLine($"compute: {points.Count} points ({string.Join(", ", benches.Select(b => b.Label))} x runtimes {string.Join(",", s.Runtimes.Select(RuntimeFactory.NameOf))} x cores {string.Join(",", counts)}), " +
                        $"{s.Repetitions} repetition(s) each; output {Path.GetFullPath(s.OutDir)}");
        var (failed, interrupted) = runner.Run(rec, planned, output, error, cancel);
        _current?.Release();
        return runner.Conclude(failed, interrupted, s.OutDir, output, error);
    }

    IReadOnlyList<ResultRow> Measure(SweepPoint p)
    {
        if (!ReferenceEquals(_current, p.Bench))
        {
            _current?.Release();
            _current = p.Bench;
            GC.Collect(); // release the previous benchmark's arrays before the next allocates its own
        }
        var cores = settings.Cores.Take(p.Cores).ToArray();
        PointOutcome outcome;
        using (var runtime = RuntimeFactory.Create(p.Runtime, cores))
            outcome = p.Bench.Measure(runtime, settings.Repetitions);
        _oneCore.TryGetValue(p.Series, out double t1);
        var rows = PointRows.From(p, outcome, t1 > 0 ? t1 : null);
        if (p.Cores == 1 && rows[0].Verified == "pass") _oneCore[p.Series] = rows[0].Median;
        return rows;
    }
}

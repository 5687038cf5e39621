using System.Globalization;
using System.Text;
using Compute.Cli;
using Compute.Runtimes;
using Experiments.Common;

namespace Compute.Sweep;

/// <summary>
/// Runs the compute experiment: for each benchmark and each core count of the sweep, one group (<see cref="SweepGroup"/>)
/// that measures every runtime on the same cores, interleaved: each repetition runs every runtime once, in the order
/// <see cref="RuntimeOrder"/> gives that repetition, so that drifts of the machine (clock, heat, caches, the heap) fall
/// on every runtime alike. Each run gets a runtime of its own, created after a full collection and disposed after the
/// run, so no other runtime's threads exist while one is timed. After every group results.csv and meta.json are
/// rewritten atomically, meta.json listing the groups not yet run, so an interrupted run keeps what it measured and
/// says what is missing. Exit codes as every experiment program: 0 all verified, 1 a point failed or failed its
/// checks, 130 interrupted (Ctrl-C stops after the current run; the group it was in is not recorded).
/// </summary>
public sealed class ComputeSweep(ComputeSettings settings, TextWriter output, TextWriter error)
{
    /// <summary>What a stop signal lets finish, as its message names it: a cancellation ends <see cref="Measure"/> before
    /// its next run, so a group with runs left is not recorded.</summary>
    public const string StopsAfter = "run; a benchmark and core count it leaves unfinished is not recorded";

    /// <summary>Creates each run's runtime on the point's cores (the program: <see cref="RuntimeFactory.Create"/>).</summary>
    public Func<RuntimeKind, IReadOnlyList<int>, IComputeRuntime> CreateRuntime { get; init; } = RuntimeFactory.Create;

    readonly Dictionary<string, double> _oneCore = new();
    ComputeBench? _current;

    public int Run(CancellationToken cancel)
    {
        var s = settings;
        int[] counts = CoreList.SweepCounts(s.Cores.Count, s.Profile == "quick");
        var benches = s.Benchmarks.Select(b => ComputeProfile.CreateBench(b, s)).ToList();
        var groups = new List<SweepGroup>();
        foreach (var bench in benches)
            foreach (int c in counts)
                groups.Add(new SweepGroup(bench, c));

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
        meta.Notes.Add($"run order: {RuntimeOrder.Scheme}; here: {DescribeOrders(s.Runtimes, s.Repetitions)}; " +
                       "each row's note gives the positions its runs had");
        meta.Notes.Add("each run creates its runtime afresh (the multikernel booted with its domain, or the host threads started) after a full " +
                       "blocking garbage collection, and disposes it after the run, all outside the timed region, so no other runtime's threads " +
                       "exist while one is timed; SPLASH benchmarks run one untimed warm-up run on that runtime before the timed run; " +
                       "a point's rows give the median and its 95% CI over the repetitions");
        // The JIT note is SweepRunner's (JitMode.Current): the project turns tiering off, but DOTNET_TieredCompilation overrides it.
        // In the order the sweep takes them (CoreList.Format keeps it): the k-core point runs on the first k as listed.
        meta.Notes.Add($"sweep: first k cores of {CoreList.Format(s.Cores)} for k in {string.Join(",", counts)}; mk, pinned and host-spin " +
                       "run worker w on the w-th of them, host runs k unpinned workers wherever the OS puts them among the process's allowed cores");
        meta.Notes.Add($"load average at start: {LoadAverage.Read()}");

        var rec = new ExperimentRecorder(s.ExperimentDir, meta, groups.Select(g => g.Label));
        var planned = groups.Select(g => new PlannedPoint(g.Label, s.Repetitions * s.Runtimes.Count * g.Bench.Weight / g.Cores, () => Measure(g, cancel))).ToList();
        var runner = new SweepRunner
        {
            Program = "compute",
            FailureKind = "a verification check or a point",
            FormatRow = r => string.Create(CultureInfo.InvariantCulture,
                $"  {PointRows.Label(r),-27} cores={r.Cores,-3} {r.Metric,-10} {r.Median,10:G5} {r.Unit,-5} {SampleSummary.IntervalText(r.CiLow, r.CiHigh, "G5")} n={r.Samples} {r.Verified}"),
        };
        error.WriteLine($"compute: {groups.Count} groups ({string.Join(", ", benches.Select(b => b.Label))} x cores {string.Join(",", counts)}), " +
                        $"each runtime {string.Join(",", s.Runtimes.Select(RuntimeFactory.NameOf))} {s.Repetitions} time(s) interleaved; output {Path.GetFullPath(s.OutDir)}");
        var (failed, interrupted) = runner.Run(rec, planned, output, error, cancel);
        _current?.Release();
        return runner.Conclude(failed, interrupted, s.OutDir, output, error);
    }

    /// <summary>The orders one period of repetitions uses, e.g. "repetition 1: mk,host,host-spin,pinned; ...".</summary>
    static string DescribeOrders(IReadOnlyList<RuntimeKind> runtimes, int repetitions)
    {
        int period = RuntimeOrder.Period(runtimes.Count);
        var rows = Enumerable.Range(0, Math.Min(repetitions, period))
            .Select(r => $"repetition {r + 1}: {string.Join(",", RuntimeOrder.Of(r, runtimes.Count).Select(i => RuntimeFactory.NameOf(runtimes[i])))}");
        string text = string.Join("; ", rows);
        return repetitions > period ? $"{text}; and so on, repeating every {period} repetitions" : text;
    }

    IReadOnlyList<ResultRow> Measure(SweepGroup g, CancellationToken cancel)
    {
        if (!ReferenceEquals(_current, g.Bench))
        {
            _current?.Release(); // its arrays go in the full collection that starts the next run (RunOnce)
            _current = g.Bench;
        }
        var cores = settings.Cores.Take(g.Cores).ToArray();
        var kinds = settings.Runtimes;
        int k = kinds.Count, repetitions = settings.Repetitions;
        var runs = new List<BenchRun>[k];
        var positions = new List<int>[k];
        var failures = new string?[k];
        var byRepetition = new double[k][]; // seconds of runtime i in repetition r; NaN where it did not run or failed
        for (int i = 0; i < k; i++)
        {
            (runs[i], positions[i]) = (new List<BenchRun>(repetitions), new List<int>(repetitions));
            byRepetition[i] = Enumerable.Repeat(double.NaN, repetitions).ToArray();
        }

        for (int r = 0; r < repetitions; r++)
        {
            var order = RuntimeOrder.Of(r, k);
            var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"  repetition {r + 1}/{repetitions}:"));
            for (int p = 0; p < k; p++)
            {
                int i = order[p];
                if (failures[i] is not null) continue;
                cancel.ThrowIfCancellationRequested();
                positions[i].Add(p + 1);
                var run = RunOnce(g.Bench, kinds[i], cores);
                if (run.Verified)
                {
                    runs[i].Add(run);
                    byRepetition[i][r] = run.Seconds;
                }
                else failures[i] = $"repetition {r + 1}: {run.Detail}";
                line.Append(string.Create(CultureInfo.InvariantCulture,
                    $" {RuntimeFactory.NameOf(kinds[i])} {(run.Verified ? $"{run.Seconds:G4} s" : "FAILED")}"));
            }
            error.WriteLine(line.ToString());
        }

        var rows = new List<ResultRow>();
        for (int i = 0; i < k; i++)
        {
            var point = new SweepPoint(g.Bench, kinds[i], g.Cores);
            string order = (positions[i].Count == 1
                ? $"run order: position {positions[i][0]} of {k} in repetition 1"
                : $"run order: positions {string.Join(",", positions[i])} of {k} in repetitions 1-{positions[i].Count}") + " (balanced Latin square, meta.json)";
            var seconds = runs[i].Select(x => x.Seconds).ToArray();
            var mops = g.Bench.CountsOperations ? runs[i].Select(x => x.Mops ?? double.NaN).ToArray() : null;
            var outcome = failures[i] is { } failure
                ? new PointOutcome(seconds, mops, false, failure, order)
                : new PointOutcome(seconds, mops, true, runs[i].Count > 0 ? g.Bench.Summarize(runs[i]) : "", order);
            _oneCore.TryGetValue(point.Series, out double t1);
            var pointRows = PointRows.From(point, outcome, t1 > 0 ? t1 : null);
            if (point.Cores == 1 && pointRows[0].Verified == "pass") _oneCore[point.Series] = pointRows[0].Median;
            rows.AddRange(pointRows);
        }
        rows.AddRange(PointRows.PairedRatios(g.Bench, g.Cores, kinds, byRepetition, failures));
        return rows;
    }

    /// <summary>
    /// One repetition of <paramref name="bench"/> on a runtime of its own: a full collection first (the previous run's
    /// garbage is not collected inside this one's timed region), then the runtime, the run, and the runtime's disposal.
    /// A run that throws is a failed run whose detail is the exception.
    /// </summary>
    BenchRun RunOnce(ComputeBench bench, RuntimeKind kind, int[] cores)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        try
        {
            using var runtime = CreateRuntime(kind, cores);
            return bench.RunOnce(runtime);
        }
        catch (Exception e)
        {
            var root = e is AggregateException { InnerException: { } inner } ? inner : e;
            return BenchRun.Failed($"{root.GetType().Name}: {root.Message}");
        }
    }
}

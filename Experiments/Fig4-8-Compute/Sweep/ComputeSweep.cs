using Compute.Cli;
using Compute.Runtimes;
using Experiments.Common;
using Npb;

namespace Compute.Sweep;

/// <summary>
/// Runs the compute experiment: for each benchmark, each core count of the sweep and each runtime (interleaved, so
/// runtimes at one core count run back to back on the same cores), the benchmark is run <c>Repetitions</c> times.
/// After every point results.csv and meta.json are rewritten atomically, meta.json listing the points not yet run,
/// so an interrupted run keeps what it measured and says what is missing.
/// </summary>
public sealed class ComputeSweep(ComputeSettings settings, TextWriter output, TextWriter error)
{
    volatile bool _interrupted;

    public int Run()
    {
        var s = settings;
        int[] counts = CoreList.SweepCounts(s.Cores.Count, s.Quick);
        var points = new List<SweepPoint>();
        foreach (var bench in s.Benchmarks)
            foreach (int c in counts)
                foreach (var rt in s.Runtimes)
                    points.Add(new SweepPoint(bench, s.Class, rt, c));

        var meta = RunMeta.Describe(PointRows.Experiment, s.Cores, s.Quick ? "quick" : "full");
        meta.PollBudgetCycles["cpu-driver"] = MultikernelThreadsRuntime.SystemOptions.WaitPolicy.PollCycles;
        meta.PollBudgetCycles["domain"] = MultikernelThreadsRuntime.DomainOptions.WaitPolicy.PollCycles;
        meta.Notes.Add($"NAS Parallel Benchmarks {string.Join(",", s.Benchmarks.Select(b => b.ToUpperInvariant()))} class {s.Class}, " +
                       $"{s.Repetitions} repetition(s) per point; timed region and Mop/s as NPB 3.3; every run verified against the official NPB values");
        meta.Notes.Add("runtimes: host = Parallel.For over the workers' static blocks (MaxDegreeOfParallelism = cores; thread-pool threads, not pinned); " +
                       "pinned = one .NET thread per core pinned with sched_setaffinity, fork-join with System.Threading.Barrier (calling thread is worker 0); " +
                       "mk = multikernel threads package");
        meta.Notes.Add("JIT: tiered compilation is off for this program, so every method runs fully optimised from its first call");
        meta.Notes.Add($"sweep: first k cores of {CoreList.Format(s.Cores)} for k in {string.Join(",", counts)}");

        var rows = new List<ResultRow>();
        var oneCore = new Dictionary<string, double>();
        var costs = points.Select(Cost).ToArray();
        var progress = new SweepProgress(PointRows.Experiment, costs, error);
        var failedPoints = new List<string>();
        string dir = s.ExperimentDir;
        Save(dir, rows, meta, points, 0);

        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; _interrupted = true; };
        Console.CancelKeyPress += onCancel;
        int done = 0;
        try
        {
            INpbBenchmark? bench = null;
            for (; done < points.Count && !_interrupted; done++)
            {
                var p = points[done];
                if (bench is null || !bench.Name.Equals(p.Bench, StringComparison.OrdinalIgnoreCase))
                {
                    bench = null;
                    GC.Collect(); // release the previous benchmark's arrays before allocating the next
                    bench = NpbSuite.Create(p.Bench, p.Class);
                }

                progress.Begin(p.Label);
                var runs = Measure(bench, p);
                if (runs is null) break; // interrupted inside the point: it stays listed as incomplete
                oneCore.TryGetValue(p.Series, out double t1);
                var pointRows = PointRows.From(p, runs, t1 > 0 ? t1 : null);
                if (p.Cores == 1 && pointRows[0].Verified == "pass") oneCore[p.Series] = pointRows[0].Median;
                rows.AddRange(pointRows);
                progress.End(costs[done]);

                Report(p, pointRows);
                if (pointRows[0].Verified != "pass")
                {
                    failedPoints.Add(p.Label);
                    meta.Notes.Add($"verification failed: {p.Label}: {pointRows[0].Note}");
                }
                Save(dir, rows, meta, points, done + 1);
            }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        meta.Finished = DateTimeOffset.UtcNow;
        if (done == points.Count) meta.Status = "complete";
        Save(dir, rows, meta, points, done);
        output.WriteLine($"results: {Path.Combine(dir, ResultsFile.FileName)}");

        if (done < points.Count)
        {
            error.WriteLine($"interrupted: {points.Count - done} of {points.Count} points not run; they are listed as incomplete in {Path.Combine(dir, RunMeta.FileName)}");
            return ComputeCommand.ExitInterrupted;
        }
        if (failedPoints.Count > 0)
        {
            error.WriteLine($"verification FAILED at {failedPoints.Count} point(s): {string.Join("; ", failedPoints)}; their rows say Verified=fail");
            return ComputeCommand.ExitVerificationFailed;
        }
        return 0;
    }

    /// <summary>The point's runs, or null if interrupted before all repetitions ran.</summary>
    List<NpbResult>? Measure(INpbBenchmark bench, SweepPoint p)
    {
        var cores = settings.Cores.Take(p.Cores).ToArray();
        using var runtime = RuntimeFactory.Create(p.Runtime, cores);
        var runs = new List<NpbResult>(settings.Repetitions);
        for (int r = 0; r < settings.Repetitions && !_interrupted; r++)
            runs.Add(runtime is IHostedRuntime hosted ? hosted.Execute(() => bench.Run(runtime)) : bench.Run(runtime));
        return runs.Count == settings.Repetitions ? runs : null;
    }

    void Report(SweepPoint p, List<ResultRow> rows)
    {
        var sec = rows[0];
        if (sec.Verified != "pass")
        {
            output.WriteLine($"{p.Label}: FAILED verification ({sec.Note})");
            return;
        }
        var mops = rows[1];
        string speedup = rows.Count > 2 ? $", speedup {rows[2].Median:F2}" : "";
        output.WriteLine($"{p.Label}: {sec.Median:F4} s [{sec.CiLow:F4}, {sec.CiHigh:F4}], {mops.Median:F1} Mop/s{speedup}, verified");
    }

    /// <summary>Writes results and meta; points from <paramref name="next"/> on are listed as incomplete.</summary>
    static void Save(string dir, List<ResultRow> rows, RunMeta meta, List<SweepPoint> points, int next)
    {
        meta.Incomplete = points.Skip(next).Select(p => p.Label).ToList();
        ResultsFile.Write(dir, rows);
        meta.Save(dir);
    }

    /// <summary>Relative cost of a point for the time-left estimate: repetitions x a per-benchmark weight / cores.</summary>
    double Cost(SweepPoint p)
    {
        double weight = p.Bench switch { "cg" => 1.0, "ft" => 2.0, _ => 0.5 };
        return settings.Repetitions * weight / p.Cores;
    }
}

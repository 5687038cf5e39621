using System.Globalization;

namespace Experiments.Common;

/// <summary>
/// Runs one experiment's points in order into its <see cref="ExperimentRecorder"/>. A cancellation stops before the
/// next point (or within one, where the point throws <see cref="OperationCanceledException"/> on it; that point stays
/// missing) and records the interruption; a point that throws is noted (results.csv keeps the other points) and
/// makes the run failed, as does any row with Verified "fail". Progress goes to stderr (<see cref="SweepProgress"/>),
/// each finished row to stdout in the program's own format. Before the first point of each <see cref="PlannedPoint.WarmUp"/>
/// kind its JIT warm-up runs (untimed, noted in meta.json), except in the quick profile; a warm-up that throws fails
/// that point.
/// </summary>
public sealed class SweepRunner
{
    /// <summary>The program's name as its messages start, e.g. "fig1".</summary>
    public required string Program { get; init; }
    /// <summary>What one point is called in messages ("point", or "series" where a point is a whole series).</summary>
    public string Unit { get; init; } = "point";
    /// <summary>The plural of <see cref="Unit"/>.</summary>
    public string Units { get; init; } = "points";
    /// <summary>What a failure is, as the FAILED line says it, e.g. "a correctness check or a point".</summary>
    public string FailureKind { get; init; } = "a correctness check or a point";
    /// <summary>One finished row as printed on stdout (default: <see cref="Line"/>).</summary>
    public Func<ResultRow, string> FormatRow { get; init; } = Line;
    /// <summary>
    /// How long a point whose child was stopped by a signal (<see cref="ChildStoppedBySignalException"/>) waits for this
    /// program's own handler to cancel the sweep before it counts as failed: the handler runs on the thread pool, so
    /// the child's end can come first.
    /// </summary>
    public TimeSpan SignalGrace { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How the process's JIT compiles (noted in every run's meta.json; the quick profile's tier-0 note depends on it).</summary>
    public JitMode Jit { get; init; } = JitMode.Current;

    /// <summary>
    /// A row on one line: series, cores, Param, metric, the median in its unit with its 95% CI (ratios, unit "x", to
    /// three decimals, everything else to one), nanoseconds where the row has them (cycles), samples and verdict.
    /// </summary>
    public static string Line(ResultRow r)
    {
        bool ratio = r.Unit == "x";
        string f = ratio ? "0.000" : "0.0";
        var c = CultureInfo.InvariantCulture;
        string ns = ratio || double.IsNaN(r.MedianNs) ? "" : string.Create(c, $" = {r.MedianNs:0.0} ns");
        return string.Create(c, $"  {r.Series,-24} cores={r.Cores} {r.Param,-26} {r.Metric,-17} {r.Median.ToString(f, c),12} {r.Unit,-11} {SampleSummary.IntervalText(r.CiLow, r.CiHigh, f)}{ns} n={r.Samples} {r.Verified}");
    }

    /// <summary>Measures <paramref name="points"/> (all planned in <paramref name="rec"/>) and finishes the recorder.</summary>
    public (bool Failed, bool Interrupted) Run(ExperimentRecorder rec, IReadOnlyList<PlannedPoint> points, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        try { return RunPoints(rec, points, stdout, stderr, cancel); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The results folder became unwritable (removed, read-only, disk full): say so in one line and fail.
            stderr.WriteLine($"{Program}: cannot write the results in {rec.Directory}: {e.Message}");
            return (true, false);
        }
    }

    (bool Failed, bool Interrupted) RunPoints(ExperimentRecorder rec, IReadOnlyList<PlannedPoint> points, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var progress = new SweepProgress(rec.Meta.Experiment, points.Select(p => p.Cost).ToArray(), stderr);
        bool failed = false, pointStopped = false; // pointStopped: a point ended on the cancellation and stays missing
        var warmed = new HashSet<string>(); // the JIT warm-up kinds already run
        // --quick is a smoke test whose numbers are not read: it skips the JIT warm-ups (each takes seconds).
        bool warmUps = rec.Meta.Profile != "quick";
        rec.AddNote(Jit.Describe());
        if (!warmUps && Jit.Tiered && points.Any(p => p.WarmUp != null)) rec.AddNote("quick profile: no JIT warm-ups, so the first points of a kind may run partly on unoptimised (tier-0) code");
        foreach (var p in points)
        {
            if (cancel.IsCancellationRequested) return (failed, Interrupt(rec, points.Count));
            progress.Begin(p.Name);
            IReadOnlyList<ResultRow> rows;
            try
            {
                if (warmUps && p.WarmUp is { } warmUp && warmed.Add(warmUp.Kind))
                {
                    var settled = warmUp.Settle();
                    rec.AddNote(settled.Describe(warmUp.Kind));
                    stderr.WriteLine($"  {settled.Describe(warmUp.Kind)}");
                }
                rows = p.Measure();
            }
            catch (OperationCanceledException e) when (cancel.IsCancellationRequested || e is ChildStoppedBySignalException && cancel.CanBeCanceled && cancel.WaitHandle.WaitOne(SignalGrace))
            {
                // A point that stops on the cancellation is not a failure: it stays on the missing list. A child that the
                // same signal stopped may end before this program's handler has cancelled: SignalGrace waits for it.
                pointStopped = true;
                progress.End(p.Cost);
                continue;
            }
            catch (Exception e)
            {
                failed = true;
                var root = e is AggregateException { InnerException: { } inner } ? inner : e;
                stderr.WriteLine($"{Program}: {Unit} {p.Name} failed: {root.GetType().Name}: {root.Message}");
                rec.AddNote($"{Unit} {p.Name} failed: {root.GetType().Name}: {root.Message}");
                progress.End(p.Cost);
                continue;
            }
            rec.Complete(p.Name, rows);
            progress.End(p.Cost);
            foreach (var r in rows)
            {
                if (r.Verified == "fail") failed = true;
                stdout.WriteLine(FormatRow(r));
            }
        }
        // A cancellation that stopped the last point leaves it missing: the run is interrupted, not done. One that came
        // while the last point finished stopped nothing: the points still missing then are the failed ones.
        if (pointStopped) return (failed, Interrupt(rec, points.Count));
        rec.Finish();
        return (failed, false);
    }

    /// <summary>Records the interruption in the run's notes and marks it incomplete; returns true (interrupted).</summary>
    bool Interrupt(ExperimentRecorder rec, int planned)
    {
        rec.Finish($"interrupted (SIGINT or SIGTERM) after {planned - rec.Remaining.Count} of {planned} {Units}");
        return true;
    }

    /// <summary>Says how the run ended (interrupted, failed or where the results are) and gives its exit code.</summary>
    /// <param name="outDir">The folder named in the closing line.</param>
    public int Conclude(bool failed, bool interrupted, string outDir, TextWriter stdout, TextWriter stderr)
    {
        if (interrupted)
        {
            stderr.WriteLine($"{Program}: interrupted; finished {Units} are in {Path.GetFullPath(outDir)}, meta.json lists the missing ones");
            return ExitCode.Interrupted;
        }
        if (failed)
        {
            stderr.WriteLine($"{Program}: FAILED: {FailureKind} failed (see Verified/Note in results.csv and notes in meta.json)");
            return ExitCode.Failed;
        }
        stdout.WriteLine($"{Program}: results in {Path.GetFullPath(outDir)}");
        return ExitCode.Ok;
    }
}

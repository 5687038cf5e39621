namespace Experiments.Tests;

/// <summary>How the sweep runner records a point stopped by the cancellation: missing, not failed.</summary>
public class SweepRunnerTests
{
    static ResultRow Row(string series) => new() { Experiment = "x", Series = series, Cores = 1, Metric = "m", Unit = "u", Median = 1, CiLow = 1, CiHigh = 1, Samples = 1, Verified = "pass" };

    static SweepRunner Runner() => new() { Program = "test", FormatRow = r => r.Series };

    /// <summary>A fresh run folder named <paramref name="name"/> and a recorder that plans <paramref name="points"/> in it.</summary>
    static (string Dir, ExperimentRecorder Recorder) Folder(string name, params string[] points)
    {
        string dir = Path.Combine(TestCores.TempDir(), name);
        return (dir, new ExperimentRecorder(dir, RunMeta.Describe("x", [0], "test"), points));
    }

    /// <summary>Point a (one row, A), then point b as given, then point c (one row, C).</summary>
    static List<PlannedPoint> AThenBThenC(Func<IReadOnlyList<ResultRow>> b) =>
        [new("a", 1, () => [Row("A")]), new("b", 1, b), new("c", 1, () => [Row("C")])];

    [Fact]
    public void A_point_that_stops_on_the_cancellation_stays_missing_and_the_run_is_interrupted_not_failed()
    {
        var (dir, rec) = Folder("cancel", "a", "b", "c");
        using var cancel = new CancellationTokenSource();
        var points = AThenBThenC(() =>
        {
            cancel.Cancel(); // e.g. Ctrl-C in the middle of the point
            cancel.Token.ThrowIfCancellationRequested();
            return [Row("B")];
        });
        var err = new StringWriter();
        var (failed, interrupted) = Runner().Run(rec, points, new StringWriter(), err, cancel.Token);
        Assert.False(failed, err.ToString());
        Assert.True(interrupted);
        Assert.Equal(["A"], ResultsFile.Read(dir).Select(r => r.Series));
        var meta = RunMeta.Load(dir);
        Assert.Equal("incomplete", meta.Status);
        Assert.Equal(["b", "c"], meta.Incomplete);
        Assert.DoesNotContain(meta.Notes, n => n.Contains("failed", StringComparison.Ordinal));
        Assert.Contains(meta.Notes, n => n.Contains("interrupted", StringComparison.Ordinal));
    }

    [Fact]
    public void A_last_point_that_stops_on_the_cancellation_leaves_the_run_interrupted_not_done()
    {
        var (dir, rec) = Folder("cancel-last", "a", "b");
        using var cancel = new CancellationTokenSource();
        var points = new List<PlannedPoint>
        {
            new("a", 1, () => [Row("A")]),
            new("b", 1, () =>
            {
                cancel.Cancel(); // Ctrl-C during the last point
                cancel.Token.ThrowIfCancellationRequested();
                return [Row("B")];
            }),
        };
        var output = new StringWriter();
        var err = new StringWriter();
        var runner = Runner();
        var (failed, interrupted) = runner.Run(rec, points, output, err, cancel.Token);
        Assert.False(failed, err.ToString());
        Assert.True(interrupted);
        Assert.Equal(ExitCode.Interrupted, runner.Conclude(failed, interrupted, dir, output, err));
        var meta = RunMeta.Load(dir);
        Assert.Equal("incomplete", meta.Status);
        Assert.Equal(["b"], meta.Incomplete);
        Assert.Contains(meta.Notes, n => n.Contains("interrupted", StringComparison.Ordinal));
    }

    /// <summary>
    /// A signal during the last point, which finishes its measurement, after an earlier point failed: every point ran,
    /// so the run failed (exit 1) and was not interrupted; the failed point stays missing, and no note says the run
    /// stopped early.
    /// </summary>
    [Fact]
    public void A_signal_during_a_last_point_that_finishes_after_an_earlier_failure_leaves_the_run_failed_not_interrupted()
    {
        var (dir, rec) = Folder("fail-then-signal", "a", "b");
        using var cancel = new CancellationTokenSource();
        var points = new List<PlannedPoint>
        {
            new("a", 1, () => throw new InvalidOperationException("a check threw")),
            new("b", 1, () =>
            {
                cancel.Cancel(); // Ctrl-C while the last point measures; it does not look at the token and finishes
                return [Row("B")];
            }),
        };
        var err = new StringWriter();
        var (failed, interrupted) = Runner().Run(rec, points, new StringWriter(), err, cancel.Token);
        Assert.True(failed, err.ToString());
        Assert.False(interrupted, err.ToString());
        Assert.Equal(["B"], ResultsFile.Read(dir).Select(r => r.Series));
        var meta = RunMeta.Load(dir);
        Assert.Equal("incomplete", meta.Status);
        Assert.Equal(["a"], meta.Incomplete);
        Assert.DoesNotContain(meta.Notes, n => n.Contains("interrupted", StringComparison.Ordinal));
    }

    [Fact]
    public void A_point_that_throws_a_cancellation_nobody_asked_for_is_a_failure()
    {
        var (dir, rec) = Folder("not-cancelled", "a", "b");
        var points = new List<PlannedPoint>
        {
            new("a", 1, () => throw new OperationCanceledException("a timeout inside the point")),
            new("b", 1, () => [Row("B")]),
        };
        var (failed, interrupted) = Runner().Run(rec, points, new StringWriter(), new StringWriter(), CancellationToken.None);
        Assert.True(failed);
        Assert.False(interrupted);
        Assert.Equal(["B"], ResultsFile.Read(dir).Select(r => r.Series));
        Assert.Contains(RunMeta.Load(dir).Notes, n => n.Contains("point a failed", StringComparison.Ordinal));
    }

    /// <summary>
    /// Ctrl-C reaches the C twin and the program together; the twin's end (exit 130) can be seen before the program's
    /// handler, which .NET runs on the thread pool, has cancelled the token. The point is interrupted all the same.
    /// </summary>
    [Fact]
    public void A_point_whose_child_was_stopped_by_the_signal_before_the_handler_ran_stays_missing_not_failed()
    {
        var (dir, rec) = Folder("child-signal-first", "a", "b", "c");
        using var cancel = new CancellationTokenSource();
        var points = AThenBThenC(() =>
        {
            cancel.CancelAfter(TimeSpan.FromMilliseconds(200)); // the program's handler runs a little later
            throw new ChildStoppedBySignalException("the C twin was stopped by SIGINT (exit 130)");
        });
        var err = new StringWriter();
        var (failed, interrupted) = Runner().Run(rec, points, new StringWriter(), err, cancel.Token);
        Assert.False(failed, err.ToString());
        Assert.True(interrupted);
        Assert.Equal(["A"], ResultsFile.Read(dir).Select(r => r.Series));
        Assert.Equal(["b", "c"], RunMeta.Load(dir).Incomplete);
    }

    [Fact]
    public void A_point_whose_child_alone_was_stopped_by_a_signal_is_a_failure()
    {
        var (dir, rec) = Folder("child-signal-alone", "a", "b");
        using var cancel = new CancellationTokenSource();
        var points = new List<PlannedPoint>
        {
            new("a", 1, () => throw new ChildStoppedBySignalException("the C twin was stopped by SIGTERM (exit 143)")),
            new("b", 1, () => [Row("B")]),
        };
        var runner = new SweepRunner { Program = "test", FormatRow = r => r.Series, SignalGrace = TimeSpan.FromMilliseconds(50) };
        var (failed, interrupted) = runner.Run(rec, points, new StringWriter(), new StringWriter(), cancel.Token);
        Assert.True(failed);
        Assert.False(interrupted);
        Assert.Equal(["B"], ResultsFile.Read(dir).Select(r => r.Series));
        Assert.Contains(RunMeta.Load(dir).Notes, n => n.Contains("point a failed", StringComparison.Ordinal));
    }
}

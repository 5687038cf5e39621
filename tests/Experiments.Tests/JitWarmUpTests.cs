namespace Experiments.Tests;

/// <summary>The JIT warm-up's rounds (over a scripted compiled-method counter) and how a sweep runs it: once per kind, before that kind's first point, noted in meta.json.</summary>
public class JitWarmUpTests
{
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(30), MaxWait = TimeSpan.FromSeconds(2);

    [Fact]
    public void It_runs_until_a_round_compiles_nothing()
    {
        long count = 0;
        int runs = 0;
        long[] compiledByRun = [500, 120, 7, 0, 40]; // the fifth run must never happen
        var result = JitWarmUp.Settle(() => count += compiledByRun[runs++], () => count, Quiet, MaxWait);
        Assert.Equal(4, runs);
        Assert.Equal(new JitWarmUpResult(4, 627, true, result.Elapsed), result);
        Assert.Contains("4 untimed run(s), 627 methods compiled, settled", result.Describe("MSG"));
    }

    [Fact]
    public void Compilations_that_finish_after_the_run_count_for_its_round()
    {
        // The tier-1 recompilations run on the JIT's background thread after the run: a round waits until the JIT has
        // been quiet for the quiet time, so they count for the round that caused them.
        long count = 0;
        int runs = 0;
        var background = new List<Thread>();
        var result = JitWarmUp.Settle(() =>
        {
            if (runs++ >= 2) return;
            // Two compilations in a row, each well within the quiet time of the last (generous for a loaded machine).
            var compiler = new Thread(() =>
            {
                Thread.Sleep(20);
                Interlocked.Add(ref count, 5);
                Thread.Sleep(20);
                Interlocked.Add(ref count, 5);
            });
            compiler.Start();
            background.Add(compiler);
        }, () => Interlocked.Read(ref count), TimeSpan.FromMilliseconds(400), MaxWait);
        foreach (var t in background) t.Join();
        Assert.Equal(3, result.Rounds);
        Assert.Equal(20, result.MethodsCompiled);
        Assert.True(result.Settled);
    }

    [Fact]
    public void A_workload_that_always_compiles_something_stops_after_the_last_round_and_says_it_did_not_settle()
    {
        long count = 0;
        int runs = 0;
        var result = JitWarmUp.Settle(() => { count++; runs++; }, () => count, TimeSpan.FromMilliseconds(1), MaxWait);
        Assert.Equal(JitWarmUp.MaxRounds, runs);
        Assert.False(result.Settled);
        Assert.Contains($"NOT settled after {JitWarmUp.MaxRounds} runs", result.Describe("capability invocations"));
    }

    [Fact]
    public void A_sweep_warms_each_kind_once_before_its_first_point_and_notes_it()
    {
        string dir = Path.Combine(TestCores.TempDir(), "warm-up");
        var rec = new ExperimentRecorder(dir, RunMeta.Describe("x", [0], "test"), ["a", "b", "c"]);
        var order = new List<string>();
        var warmUp = new JitWarmUp("kind one", () => order.Add("warm-up"));
        var points = new List<PlannedPoint>
        {
            new("a", 1, () => { order.Add("a"); return [Row("A")]; }) { WarmUp = warmUp },
            new("b", 1, () => { order.Add("b"); return [Row("B")]; }) { WarmUp = warmUp with { Run = () => order.Add("warm-up again") } },
            new("c", 1, () => { order.Add("c"); return [Row("C")]; }),
        };
        var err = new StringWriter();
        var (failed, _) = new SweepRunner { Program = "test", FormatRow = r => r.Series }.Run(rec, points, new StringWriter(), err, CancellationToken.None);
        Assert.False(failed, err.ToString());
        Assert.Equal("warm-up", order[0]);
        Assert.Equal(["a", "b", "c"], order.Where(o => !o.StartsWith("warm-up", StringComparison.Ordinal)));
        Assert.DoesNotContain("warm-up again", order);
        Assert.Contains(RunMeta.Load(dir).Notes, n => n.StartsWith("JIT warm-up of kind one: ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_quick_profile_skips_the_warm_ups_and_says_so()
    {
        var notes = QuickRun("warm-up-quick", new JitMode(Tiered: true, DynamicPgo: true));
        Assert.Contains(notes, n => n.StartsWith("quick profile: no JIT warm-ups", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("JIT: tiered compilation on, with dynamic PGO: ", StringComparison.Ordinal));
        Assert.DoesNotContain(notes, n => n.StartsWith("JIT warm-up of", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_tiered_compilation_the_quick_profile_has_no_tier_0_code_to_warn_of()
    {
        var notes = QuickRun("warm-up-quick-no-tiering", new JitMode(Tiered: false, DynamicPgo: false));
        Assert.DoesNotContain(notes, n => n.StartsWith("quick profile: no JIT warm-ups", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("JIT: tiered compilation off: every method is compiled fully optimised", StringComparison.Ordinal));
    }

    /// <summary>A quick-profile sweep of one point with a warm-up; checks the warm-up did not run and returns the run's notes.</summary>
    static List<string> QuickRun(string name, JitMode jit)
    {
        string dir = Path.Combine(TestCores.TempDir(), name);
        var rec = new ExperimentRecorder(dir, RunMeta.Describe("x", [0], "quick"), ["a"]);
        bool warmed = false;
        var points = new List<PlannedPoint> { new("a", 1, () => [Row("A")]) { WarmUp = new("kind one", () => warmed = true) } };
        var (failed, _) = new SweepRunner { Program = "test", FormatRow = r => r.Series, Jit = jit }.Run(rec, points, new StringWriter(), new StringWriter(), CancellationToken.None);
        Assert.False(failed);
        Assert.False(warmed);
        Assert.Equal(["A"], ResultsFile.Read(dir).Select(r => r.Series));
        return RunMeta.Load(dir).Notes;
    }

    [Fact]
    public void A_warm_up_that_throws_fails_its_point_only()
    {
        string dir = Path.Combine(TestCores.TempDir(), "warm-up-throws");
        var rec = new ExperimentRecorder(dir, RunMeta.Describe("x", [0], "test"), ["a", "b"]);
        var points = new List<PlannedPoint>
        {
            new("a", 1, () => [Row("A")]) { WarmUp = new("broken", () => throw new InvalidOperationException("no core")) },
            new("b", 1, () => [Row("B")]),
        };
        var (failed, _) = new SweepRunner { Program = "test", FormatRow = r => r.Series }.Run(rec, points, new StringWriter(), new StringWriter(), CancellationToken.None);
        Assert.True(failed);
        Assert.Equal(["B"], ResultsFile.Read(dir).Select(r => r.Series));
        Assert.Contains(RunMeta.Load(dir).Notes, n => n.Contains("point a failed: InvalidOperationException: no core", StringComparison.Ordinal));
    }

    static ResultRow Row(string series) => new() { Experiment = "x", Series = series, Cores = 1, Metric = "m", Unit = "u", Median = 1, CiLow = 1, CiHigh = 1, Samples = 1, Verified = "pass" };
}

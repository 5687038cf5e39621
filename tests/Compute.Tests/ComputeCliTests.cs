using System.Text.RegularExpressions;
using Compute.Cli;
using Compute.Runtimes;
using Compute.Sweep;
using Experiments.Common;
using Npb;

namespace Compute.Tests;

/// <summary>The experiment's command line: bad input is refused with exit 2 and a message naming the option and what is allowed; a small run writes verified rows.</summary>
public class ComputeCliTests
{
    static (int Exit, string Out, string Err) Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = ComputeCommand.Run(args, output, error, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Each bad input, the option its message must name and what it must say is allowed.</summary>
    public static TheoryData<string[], string, string> BadInputs => new()
    {
        { ["--class", "X"], "--class", "S, W, A, B" },
        { ["--class", "AA"], "--class", "S, W, A, B" },
        { ["--class", ""], "--class", "S, W, A, B" },
        { ["--bench", "cg,lu"], "--bench", "cg, ft, is, barnes, radiosity" },
        { ["--bench", "cg,,ft"], "--bench", "empty element" },
        { ["--bench", ""], "--bench", "empty element" },
        { ["--bench", "cg,CG"], "--bench", "twice" },
        { ["--runtime", "openmp"], "--runtime", "host-spin" },
        { ["--runtime", "mk,"], "--runtime", "empty element" },
        { ["--runtime", "mk,MK"], "--runtime", "twice" },
        { ["--repetitions", "0"], "--repetitions", "1 to 1000" },
        { ["--repetitions", "1000000000"], "--repetitions", "1 to 1000" },
        { ["--repetitions", "-3"], "--repetitions", "1 to 1000" },
        { ["--repetitions", "many"], "--repetitions", "1 to 1000" },
        { ["--repetitions", "99999999999999999999"], "--repetitions", "1 to 1000" },
        { ["--cores", "4096"], "--cores", "" },
        { ["--cores", "3-1"], "--cores", "" },
        { ["--out", ""], "--out", "must not be empty" },
        { ["--quick", "--full"], "--quick and --full", "choose one profile" },
        { ["--bench", "barnes,radiosity", "--class", "B"], "--class", "cg, ft, is" },
        { ["--bench", "radiosity", "--class", "S", "--quick"], "--class", "cg, ft, is" },
        { ["--frobnicate"], "--frobnicate", "--help" },
        // An option given twice: the check of --class against --bench read its value, which threw (an unhandled
        // InvalidOperationException, exit 134).
        { ["--class", "A", "--class", "B"], "--class", "expects a single argument" },
        { ["--bench", "cg", "--bench", "ft", "--class", "A"], "--bench", "expects a single argument" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_refused_with_exit_2_naming_the_option_and_what_is_allowed(string[] args, string option, string allowed)
    {
        var (exit, output, err) = Invoke(args);
        Assert.Equal(ExitCode.BadInput, exit);
        Assert.Contains(option, err);
        Assert.Contains(allowed, err);
        Assert.DoesNotContain("[compute]", err); // nothing ran
        Assert.Equal("", output);
    }

    [Fact]
    public void Meta_json_names_the_cores_in_the_order_the_sweep_takes_them()
    {
        // The sweep runs a k-core point on the first k cores as listed; meta.json's note, the only record of which cores
        // a point used, sorted them: with --cores 1,0 it said "first k cores of 0-1" while the one-core point ran on core 1.
        Assert.SkipUnless(TestRuntimes.HasCores(2), "needs two cores to list them out of order");
        var cores = TestRuntimes.Cores(2);
        string listed = $"{cores[1]},{cores[0]}";
        string dir = Path.Combine(Path.GetTempPath(), $"compute-order-{Guid.NewGuid():N}");
        try
        {
            using var stopped = new CancellationTokenSource();
            stopped.Cancel(); // the sweep writes its meta.json, then stops before its first run
            int exit = ComputeCommand.Run(["--quick", "--bench", "is", "--runtime", "host", "--cores", listed, "--out", dir], new StringWriter(), new StringWriter(), stopped.Token);
            Assert.Equal(ExitCode.Interrupted, exit);
            var notes = RunMeta.Load(Path.Combine(dir, "compute")).Notes;
            Assert.StartsWith($"sweep: first k cores of {listed} for k in 1,2;", Assert.Single(notes, n => n.StartsWith("sweep:", StringComparison.Ordinal)));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Out_naming_an_existing_file_is_refused()
    {
        string file = Path.GetTempFileName();
        try
        {
            var (exit, _, err) = Invoke("--out", file, "--quick");
            Assert.Equal(ExitCode.BadInput, exit);
            Assert.Contains("--out", err);
            Assert.Contains("is a file", err);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Out_whose_compute_folder_holds_an_earlier_runs_results_is_refused_and_left_alone()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"compute-rerun-{Guid.NewGuid():N}");
        string earlier = Path.Combine(dir, "compute", ResultsFile.FileName);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(earlier)!);
            File.WriteAllText(earlier, "the earlier run's rows");
            var (exit, output, err) = Invoke("--bench", "is", "--class", "S", "--runtime", "pinned", "--repetitions", "1",
                "--cores", CoreList.Format(TestRuntimes.Cores(1)), "--out", dir);
            Assert.Equal(ExitCode.BadInput, exit);
            Assert.Contains("--out", err);
            Assert.Contains("already holds results", err);
            Assert.Equal("", output);
            Assert.Equal("the earlier run's rows", File.ReadAllText(earlier));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Out_that_cannot_be_created_is_refused_with_exit_2()
    {
        string parent = Path.GetTempFileName(); // a file: no folder can be made below it
        try
        {
            var (exit, output, err) = Invoke("--bench", "is", "--class", "S", "--runtime", "pinned", "--repetitions", "1",
                "--cores", CoreList.Format(TestRuntimes.Cores(1)), "--out", Path.Combine(parent, "run"));
            Assert.Equal(ExitCode.BadInput, exit);
            Assert.Contains("--out", err);
            Assert.Equal("", output);
        }
        finally { File.Delete(parent); }
    }

    [Theory]
    [InlineData("host", new[] { RuntimeKind.Host })]
    [InlineData("pinned,host", new[] { RuntimeKind.Pinned, RuntimeKind.Host })]
    [InlineData("HOST, host-spin", new[] { RuntimeKind.Host, RuntimeKind.HostSpin })]
    [InlineData("both", new[] { RuntimeKind.Mk, RuntimeKind.Host })]
    [InlineData("all", new[] { RuntimeKind.Mk, RuntimeKind.Host, RuntimeKind.Pinned, RuntimeKind.HostSpin })]
    [InlineData("pinned,all", new[] { RuntimeKind.Pinned, RuntimeKind.Mk, RuntimeKind.Host, RuntimeKind.HostSpin })]
    public void Runtime_lists_parse_in_order(string text, RuntimeKind[] expected) =>
        Assert.Equal(expected, ComputeArguments.ParseRuntimes(text));

    [Theory]
    [InlineData(null, "default", 6)]
    [InlineData("--quick", "quick", 1)]
    [InlineData("--full", "full", 6)]
    public void Profiles_have_their_names_and_repetitions(string? flag, string profile, int repetitions)
    {
        Assert.Equal(repetitions, ComputeProfile.Repetitions(profile));
        string dir = Path.Combine(Path.GetTempPath(), $"compute-profile-{Guid.NewGuid():N}");
        try
        {
            // IS class S on one runtime and one core: fast in every profile; the recorded profile is what was chosen.
            var args = new List<string> { "--bench", "is", "--class", "S", "--runtime", "pinned", "--repetitions", "1",
                "--cores", CoreList.Format(TestRuntimes.Cores(1)), "--out", dir };
            if (flag is not null) args.Add(flag);
            var (exit, _, err) = Invoke([.. args]);
            Assert.True(exit == 0, err);
            Assert.Equal(profile, RunMeta.Load(Path.Combine(dir, "compute")).Profile);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Meta_json_names_the_jit_mode_the_process_ran_with_and_no_other()
    {
        // The program's project file turns tiering off, but DOTNET_TieredCompilation overrides it (and this test host
        // tiers): meta.json must say what this process did, once.
        string dir = Path.Combine(Path.GetTempPath(), $"compute-jit-{Guid.NewGuid():N}");
        try
        {
            var (exit, _, err) = Invoke("--bench", "is", "--class", "S", "--runtime", "pinned", "--repetitions", "1", "--quick",
                "--cores", CoreList.Format(TestRuntimes.Cores(1)), "--out", dir);
            Assert.True(exit == 0, err);
            var jitNotes = RunMeta.Load(Path.Combine(dir, "compute")).Notes.Where(n => n.StartsWith("JIT", StringComparison.Ordinal));
            Assert.Equal([JitMode.Current.Describe()], jitNotes);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Help_gives_the_profiles_own_defaults_for_repetitions_and_class()
    {
        var (exit, output, _) = Invoke("--help");
        Assert.Equal(0, exit);
        string HelpOf(string option) => Regex.Replace(
            Assert.Single(output.Split("\n  -"), o => o.StartsWith(option, StringComparison.Ordinal)), @"\s+", " ");
        Assert.Contains($"default: set by the profile: {ComputeProfile.Repetitions("default")}; {ComputeProfile.Repetitions("quick")} with --quick, " +
                        $"{ComputeProfile.Repetitions("full")} with --full", HelpOf("-repetitions"));
        Assert.Contains($"default: set by the profile: {ComputeProfile.Class("default")}; {ComputeProfile.Class("quick")} with --quick, " +
                        $"{ComputeProfile.Class("full")} with --full", HelpOf("-class"));
    }

    [Fact]
    public void A_small_run_interleaves_every_runtime_and_writes_verified_rows_and_a_complete_meta()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"compute-cli-{Guid.NewGuid():N}");
        try
        {
            var cores = TestRuntimes.Cores(Math.Min(2, CoreList.Allowed().Count)).Distinct().ToArray();
            var (exit, output, err) = Invoke("--bench", "is,barnes", "--class", "S", "--quick", "--runtime", "all",
                "--repetitions", "2", "--cores", CoreList.Format(cores), "--out", dir);
            Assert.True(exit == 0, err);
            Assert.Contains("IS.S cores=1", err); // progress line per group
            Assert.Contains("BARNES.quick cores=1", err);
            Assert.Matches(@"repetition 1/2: mk \S+ s host \S+ s host-spin \S+ s pinned \S+ s", err); // a line per repetition, in its run order
            Assert.Matches(@"repetition 2/2: host \S+ s pinned \S+ s mk \S+ s host-spin \S+ s", err);
            Assert.Contains("pass", output);

            string exp = Path.Combine(dir, "compute");
            var all = ResultsFile.Read(exp);
            var rows = all.Where(r => r.Metric != PointRows.TimeRatio).ToList();
            string[] runtimes = ["mk", "host", "pinned", "host-spin"];
            int points = runtimes.Length * CoreList.SweepCounts(cores.Length, quick: true).Length;
            foreach (var bench in new[] { "IS", "BARNES" })
            {
                Assert.Equal(points, rows.Count(r => r.Series.StartsWith(bench + "/") && r.Metric == "seconds"));
                Assert.Equal(points, rows.Count(r => r.Series.StartsWith(bench + "/") && r.Metric == "speedup"));
            }
            Assert.Equal(points, rows.Count(r => r.Metric == "mops"));
            Assert.All(rows, r =>
            {
                Assert.Equal("compute", r.Experiment);
                Assert.Equal("pass", r.Verified);
                Assert.Contains(r.Param, new[] { "bench=is;class=S", "bench=barnes;input=quick;bodies=2048;steps=4" });
                Assert.Contains(r.Series, runtimes.SelectMany(rt => new[] { $"IS/{rt}", $"BARNES/{rt}" }));
                Assert.Equal(2, r.Samples);
                Assert.True(r.Median > 0 && double.IsNaN(r.CiLow) && double.IsNaN(r.CiHigh), $"{r.Metric} {r.Median} [{r.CiLow}, {r.CiHigh}]: 2 samples have no 95% CI");
            });
            Assert.All(rows.Where(r => r.Metric == "speedup" && r.Cores == 1), r => Assert.Equal(1.0, r.Median, 12));
            Assert.All(rows.Where(r => r.Series.StartsWith("BARNES/") && r.Metric == "seconds"),
                r => Assert.Contains("force-loop allocations 0 B", r.Note));
            // Each row was measured on its own runtime: only the multikernel's runs report what their user threads did.
            Assert.All(rows.Where(r => r.Series.StartsWith("BARNES/") && r.Metric == "seconds"),
                r => Assert.True(r.Series == "BARNES/mk" == r.Note.Contains("its user threads:", StringComparison.Ordinal), $"{r.Series}: {r.Note}"));
            // Each row says where its runs stood: the first two rows of the 4-runtime Williams square (mk,host,host-spin,pinned; host,pinned,mk,host-spin).
            var expectedOrder = new Dictionary<string, string> { ["mk"] = "1,3", ["host"] = "2,1", ["pinned"] = "4,2", ["host-spin"] = "3,4" };
            Assert.All(rows, r => Assert.Contains($"run order: positions {expectedOrder[r.Series.Split('/')[1]]} of 4 in repetitions 1-2", r.Note));

            // The paired rows: at every point, mk over each host runtime, each ratio the one of the times the progress lines printed for that repetition.
            var paired = all.Where(r => r.Metric == PointRows.TimeRatio).ToList();
            Assert.Equal(2 * 3 * CoreList.SweepCounts(cores.Length, quick: true).Length, paired.Count);
            var groups = Regex.Split(err, @"\[compute\] \d+/\d+ ").Skip(1).ToList();
            foreach (var r in paired)
            {
                Assert.Equal("x", r.Unit);
                Assert.Equal(2, r.Samples);
                Assert.True(double.IsNaN(r.CiLow) && double.IsNaN(r.CiHigh), $"{r.Series} {r.Param}: 2 samples have no 95% CI");
                string bench = r.Series.Split('/')[0], over = r.Param[(r.Param.LastIndexOf("over=", StringComparison.Ordinal) + 5)..];
                Assert.Equal("mk", r.Series.Split('/')[1]);
                string group = Assert.Single(groups, g => g.StartsWith($"{bench}.", StringComparison.Ordinal) && g.Contains($" cores={r.Cores} ", StringComparison.Ordinal));
                var printed = Regex.Matches(group, @"repetition \d/2:(.*)").Select(m => Regex.Matches(m.Groups[1].Value, @"(\S+) (\S+) s")
                    .ToDictionary(x => x.Groups[1].Value, x => double.Parse(x.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
                Assert.Equal(2, printed.Count);
                double expected = (printed[0]["mk"] / printed[0][over] + printed[1]["mk"] / printed[1][over]) / 2; // the median of two
                Assert.True(Math.Abs(r.Median / expected - 1) < 2e-3, $"{bench} cores={r.Cores} over {over}: {r.Median} against {expected} from the progress lines");
            }

            var meta = RunMeta.Load(exp);
            Assert.Equal("complete", meta.Status);
            Assert.Equal("quick", meta.Profile);
            Assert.Empty(meta.Incomplete);
            Assert.Equal(CoreList.Format(cores), meta.CoresUsed);
            Assert.Contains(meta.Notes, n => n.Contains("repetition 1: mk,host,host-spin,pinned; repetition 2: host,pinned,mk,host-spin", StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A runtime whose run fails verification: its rows say fail with no timing and the failure, it is not run again at
    /// that point, the others' rows pass with every repetition, no paired row divides by it, and the sweep exits 1.
    /// </summary>
    [Fact]
    public void A_runtime_that_fails_verification_gets_fail_rows_and_is_not_run_again_while_the_others_go_on()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"compute-fail-{Guid.NewGuid():N}");
        try
        {
            var settings = new ComputeSettings(["is"], ProblemClass.S, TestRuntimes.Cores(1), [RuntimeKind.Mk, RuntimeKind.Host, RuntimeKind.Pinned], 2, dir, "quick");
            var error = new StringWriter();
            var sweep = new ComputeSweep(settings, new StringWriter(), error)
            {
                // "host" runs on a runtime whose loops skip worker 1's half: IS fails its verification there.
                CreateRuntime = (kind, cores) => kind == RuntimeKind.Host ? new BenchRunVerdictTests.BrokenComputeRuntime(2, 0) : RuntimeFactory.Create(kind, cores),
            };
            int exit = sweep.Run(TestContext.Current.CancellationToken);
            string err = error.ToString();
            Assert.True(exit == ExitCode.Failed, err);
            Assert.Matches(@"repetition 1/2: mk \S+ s host FAILED pinned \S+ s\r?\n", err); // orders: mk,host,pinned; host,pinned,mk
            Assert.Matches(@"repetition 2/2: pinned \S+ s mk \S+ s\r?\n", err);

            var rows = ResultsFile.Read(Path.Combine(dir, "compute"));
            var host = rows.Where(r => r.Series == "IS/host").ToList();
            Assert.Equal(["seconds", "mops"], host.Select(r => r.Metric));
            Assert.All(host, r =>
            {
                Assert.Equal("fail", r.Verified);
                Assert.True(double.IsNaN(r.Median), $"{r.Metric}: {r.Median}");
                Assert.Contains("repetition 1: verification failed: partial checks passed", r.Note);
            });
            Assert.All(rows.Where(r => r.Series != "IS/host"), r =>
            {
                Assert.Equal("pass", r.Verified);
                Assert.Equal(2, r.Samples);
                Assert.True(r.Median > 0, $"{r.Series} {r.Metric}: {r.Median}");
            });
            Assert.Equal(["bench=is;class=S;over=pinned"], rows.Where(r => r.Metric == PointRows.TimeRatio).Select(r => r.Param));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_point_that_failed_verification_is_recorded_as_fail_without_a_timing()
    {
        var p = new SweepPoint(new NpbBench("cg", ProblemClass.S), RuntimeKind.Pinned, 2);
        var outcome = new PointOutcome([0.5, 0.4], [100, 120], false, "verification failed in 1 of 2 runs: zeta=1 ref=8.59 rel_err=8.8E-001");
        var rows = PointRows.From(p, outcome, oneCoreSeconds: 1.0);
        Assert.Equal(["seconds", "mops"], rows.Select(r => r.Metric));
        Assert.All(rows, r =>
        {
            Assert.Equal("fail", r.Verified);
            Assert.True(double.IsNaN(r.Median) && double.IsNaN(r.CiLow) && double.IsNaN(r.CiHigh));
            Assert.Contains("verification failed in 1 of 2 runs", r.Note);
            Assert.Equal("CG/pinned", r.Series);
        });
    }

    [Fact]
    public void Speedup_is_one_core_time_over_this_time()
    {
        var p = new SweepPoint(new NpbBench("ft", ProblemClass.W), RuntimeKind.Host, 2);
        var outcome = new PointOutcome([1.0, 1.2, 0.8], [1.0, 1 / 1.2, 1 / 0.8], true, "ok");
        var rows = PointRows.From(p, outcome, oneCoreSeconds: 2.0);
        var speedup = Assert.Single(rows, r => r.Metric == "speedup");
        Assert.Equal(2.0, speedup.Median, 12);
        Assert.Equal("x", speedup.Unit);
        Assert.Equal("FT/host", speedup.Series);
        Assert.Equal("bench=ft;class=W", speedup.Param);
    }

    /// <summary>
    /// The speedup's interval is the seconds' interval mapped through t1 / t (its low end from the seconds' high end);
    /// the Mop/s row summarises the runs' Mop/s.
    /// </summary>
    [Fact]
    public void Speedup_interval_maps_the_seconds_interval_and_mops_summarises_the_rates()
    {
        var p = new SweepPoint(new NpbBench("cg", ProblemClass.S), RuntimeKind.Pinned, 2);
        double[] seconds = [1.0, 1.1, 0.9, 1.3, 0.95, 1.05, 1.2];
        var rows = PointRows.From(p, new PointOutcome(seconds, seconds.Select(s => 10 / s).ToArray(), true, "ok"), oneCoreSeconds: 2.0);
        var t = SampleSummary.Of(seconds);
        Assert.True(t.CiLow < t.CiHigh, $"{seconds.Length} samples give a CI: [{t.CiLow}, {t.CiHigh}]");
        var speedup = Assert.Single(rows, r => r.Metric == "speedup");
        Assert.Equal(2.0 / t.CiHigh, speedup.CiLow, 12);
        Assert.Equal(2.0 / t.CiLow, speedup.CiHigh, 12);
        Assert.True(speedup.CiLow <= speedup.Median && speedup.Median <= speedup.CiHigh, $"{speedup.Median} not in [{speedup.CiLow}, {speedup.CiHigh}]");
        var mops = Assert.Single(rows, r => r.Metric == "mops");
        Assert.Equal(SampleSummary.Of(seconds.Select(s => 10 / s).ToArray()).Median, mops.Median, 12);
        Assert.Equal("Mop/s", mops.Unit);
    }

    [Fact]
    public void Splash_rows_have_seconds_and_speedup_but_no_mops()
    {
        var p = new SweepPoint(new BarnesBench(Splash.Barnes.BarnesInput.Standard), RuntimeKind.Mk, 2);
        var rows = PointRows.From(p, new PointOutcome([0.2, 0.25, 0.22], null, true, "all checks passed"), oneCoreSeconds: 0.4);
        Assert.Equal(["seconds", "speedup"], rows.Select(r => r.Metric));
        Assert.All(rows, r =>
        {
            Assert.Equal("BARNES/mk", r.Series);
            Assert.Equal("bench=barnes;input=standard;bodies=16384;steps=4", r.Param);
        });
    }

    /// <summary>
    /// The paired rows: one per host runtime, mk's seconds over that runtime's in the same repetition, median and 95%
    /// CI of those ratios; a repetition where either side has no time is left out, a runtime that failed at the point
    /// gets none, and without mk (or with mk failed) there are none.
    /// </summary>
    [Fact]
    public void Paired_rows_divide_mk_by_each_host_runtime_within_each_repetition()
    {
        var bench = new NpbBench("is", ProblemClass.S);
        RuntimeKind[] kinds = [RuntimeKind.Host, RuntimeKind.Mk, RuntimeKind.Pinned, RuntimeKind.HostSpin];
        double nan = double.NaN;
        double[][] seconds =
        [
            [2.0, 4.0, 1.0, 3.0, 2.0, 2.0, 5.0],        // host
            [2.2, 4.0, 1.1, 3.6, 2.0, 2.4, 5.5],        // mk: 1.1, 1.0, 1.1, 1.2, 1.0, 1.2, 1.1 of host
            [1.0, 2.0, 0.5, nan, 1.0, 1.2, 2.2],        // pinned: repetition 4 has no time
            [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],        // host-spin: failed later at this point
        ];
        var rows = PointRows.PairedRatios(bench, 2, kinds, seconds, [null, null, null, "repetition 7: verification failed"]);
        Assert.Equal(["bench=is;class=S;over=host", "bench=is;class=S;over=pinned"], rows.Select(r => r.Param));
        Assert.All(rows, r =>
        {
            Assert.Equal("IS/mk", r.Series);
            Assert.Equal(2, r.Cores);
            Assert.Equal(PointRows.TimeRatio, r.Metric);
            Assert.Equal("x", r.Unit);
            Assert.Equal("pass", r.Verified);
            Assert.True(r.CiLow <= r.Median && r.Median <= r.CiHigh, $"{r.Param}: {r.Median} not in [{r.CiLow}, {r.CiHigh}]");
        });
        var overHost = rows[0];
        Assert.Equal(7, overHost.Samples);
        Assert.Equal(SampleSummary.Of([1.1, 1.0, 1.1, 1.2, 1.0, 1.2, 1.1]).Median, overHost.Median, 12);
        var overPinned = rows[1];
        Assert.Equal(6, overPinned.Samples);
        Assert.Equal(SampleSummary.Of([2.2, 2.0, 2.2, 2.0, 2.0, 2.5]).Median, overPinned.Median, 12);
        Assert.Contains("ratios 2.200, 2.000, 2.200, 2.000, 2.000, 2.500", overPinned.Note);
        Assert.Equal("IS/mk over pinned", PointRows.Label(overPinned));

        Assert.Empty(PointRows.PairedRatios(bench, 2, kinds, seconds, [null, "repetition 1: threw", null, null]));
        Assert.Empty(PointRows.PairedRatios(bench, 2, [RuntimeKind.Host, RuntimeKind.Pinned], [seconds[0], seconds[2]], [null, null]));
    }

    /// <summary>A quick point's one repetition gives a paired ratio without a CI.</summary>
    [Fact]
    public void A_single_repetition_gives_a_paired_ratio_without_a_ci()
    {
        var row = Assert.Single(PointRows.PairedRatios(new NpbBench("cg", ProblemClass.S), 1, [RuntimeKind.Mk, RuntimeKind.HostSpin], [[3.0], [2.0]], [null, null]));
        Assert.Equal(1.5, row.Median, 12);
        Assert.True(double.IsNaN(row.CiLow) && double.IsNaN(row.CiHigh));
        Assert.Contains("median over 1 repetition(s) of those ratios, too few for a 95% CI (6 needed)", row.Note);
        Assert.Equal("bench=cg;class=S;over=host-spin", row.Param);
        Assert.Equal("CG/mk", PointRows.Label(new ResultRow { Series = "CG/mk", Metric = "seconds", Param = "bench=cg;class=S" }));
    }
}

using Experiments.Common;
using Fig1.SharedState;

namespace Experiments.Tests;

/// <summary>The fig1 program end to end at a tiny size: what it writes, how it refuses bad input, how it stops.</summary>
public class Fig1CliTests
{
    static (int Exit, string Out, string Err) Run(params string[] args) => ProgramRun.Invoke(Fig1Cli.Run, args);

    static readonly string[] Tiny = ["--iterations", "50", "--repetitions", "3"];

    [Theory]
    [InlineData("--cores", "9999", "--cores", "allowed cores")]
    [InlineData("--cores", "1-0", "--cores", "allowed cores")]
    [InlineData("--cores", "zero", "--cores", "allowed cores")]
    [InlineData("--iterations", "0", "--iterations", "allowed: 10 to")]
    [InlineData("--iterations", "many", "--iterations", "not a whole number")]
    [InlineData("--repetitions", "-1", "--repetitions", "allowed: 1 to")]
    [InlineData("--window", "13", "--window", "allowed: 1 to 12")]
    [InlineData("--experiment", "fig9", "--experiment", "allowed: all, fig1-shared-state, urpc-tables")]
    public void BadValueNamesOptionAndAllowedValuesAndExitsWith2(string option, string value, string named, string allowed)
    {
        ProgramRun.AssertRefused(Fig1Cli.Run, [option, value, "--out", TestCores.TempDir()], named, allowed);
    }

    [Fact]
    public void QuickAndFullTogetherIsRefused()
    {
        ProgramRun.AssertRefused(Fig1Cli.Run, ["--quick", "--full", "--out", TestCores.TempDir()], "--quick and --full cannot be combined");
    }

    [Fact]
    public void UnknownOptionAndFileAsOutAreRefused()
    {
        ProgramRun.AssertRefused(Fig1Cli.Run, ["--colour", "red"]);
        string file = Path.Combine(TestCores.TempDir(), "a-file");
        File.WriteAllText(file, "x");
        ProgramRun.AssertRefused(Fig1Cli.Run, ["--out", file], "--out");
        Assert.False(File.Exists(Path.Combine(file, "fig1-shared-state", "results.csv")));
    }

    [Fact]
    public void OneCoreRunsShmAndLocksAndSaysWhyMsgIsSkipped()
    {
        string dir = TestCores.TempDir();
        int core = TestCores.First(1)[0];
        var (exit, _, err) = Run([.. Tiny, "--cores", $"{core}", "--out", dir]);
        Assert.Equal(0, exit);
        Assert.Contains("MSG1/MSG8 (and Server, pipelined) skipped", err);

        string fig = Path.Combine(dir, Fig1Settings.SharedStateId);
        var rows = ResultsFile.Read(fig);
        Assert.Equal(
            ["SHM1", "SHM2", "SHM4", "SHM8", "lock1", "lock8", "spinlock1", "spinlock8"],
            rows.Select(r => r.Series));
        Assert.All(rows, r => Assert.Equal(1, r.Cores));
        Assert.All(rows, r => Assert.Equal("pass", r.Verified));
        var meta = RunMeta.Load(fig);
        Assert.Equal("complete", meta.Status);
        Assert.Empty(meta.Incomplete);
        Assert.Contains(meta.Notes, n => n.Contains("skipped") && n.Contains("only 1 core"));

        string tables = Path.Combine(dir, Fig1Settings.UrpcTablesId);
        Assert.Equal(["LRPC same-core"], ResultsFile.Read(tables).Select(r => r.Series));
        Assert.Contains(RunMeta.Load(tables).Notes, n => n.Contains("URPC rows skipped"));
    }

    [Fact]
    public void TwoCoresWriteEverySeriesWithSelfDescribingRows()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one (the one-core test covers machines with one core)");
        string dir = TestCores.TempDir();
        var (exit, _, err) = Run([.. Tiny, "--cores", string.Join(',', TestCores.UpToTwo), "--window", "4", "--out", dir]);
        Assert.True(exit == 0, err);
        Assert.Contains("[fig1-shared-state] 1/20", err); // progress per point

        string fig = Path.Combine(dir, Fig1Settings.SharedStateId);
        var rows = ResultsFile.Read(fig);
        Assert.All(rows, r => Assert.Equal(Fig1Settings.SharedStateId, r.Experiment));
        Assert.All(rows, r => Assert.Equal("pass", r.Verified));
        var at2 = rows.Where(r => r.Cores == 2).ToList();
        string[] expectedSeries = ["SHM1", "SHM2", "SHM4", "SHM8", "lock1", "lock8", "spinlock1", "spinlock8",
            "MSG1", "Server1", "MSG1-pipelined", "MSG8", "Server8", "MSG8-pipelined"];
        Assert.Equal(expectedSeries.Order(), at2.Select(r => r.Series).Distinct().Order());
        Assert.DoesNotContain(rows, r => r.Cores == 1 && r.Series.StartsWith("MSG"));
        Assert.Contains(at2, r => r is { Series: "MSG8-pipelined", Param: "lines=8;window=4", Metric: "cycles_per_update" });
        Assert.Contains(at2, r => r is { Series: "MSG8-pipelined", Param: "lines=8;window=4", Metric: "updates_per_s", Unit: "updates/s" });
        Assert.Contains(at2, r => r is { Series: "MSG1", Param: "lines=1", Metric: "updates_per_s" });
        Assert.Contains(at2, r => r is { Series: "SHM4", Param: "lines=4", Metric: "cycles_per_update", Unit: "cycles" });
        foreach (var r in rows)
        {
            Assert.InRange(r.Median, r.CiLow, r.CiHigh);
            Assert.Equal(r.Unit == "cycles", !double.IsNaN(r.MedianNs));
            Assert.True(r.Samples >= 3, $"{r.Series}: {r.Samples} samples");
            Assert.False(string.IsNullOrWhiteSpace(r.Note));
        }
        var meta = RunMeta.Load(fig);
        Assert.Equal("complete", meta.Status);
        Assert.Equal(string.Join(',', TestCores.UpToTwo) == "0,1" ? "0-1" : CoreList.Format(TestCores.UpToTwo), meta.CoresUsed);

        string tables = Path.Combine(dir, Fig1Settings.UrpcTablesId);
        var t = ResultsFile.Read(tables);
        Assert.All(t, r => Assert.Equal(Fig1Settings.UrpcTablesId, r.Experiment));
        Assert.Contains(t, r => r is { Series: "LRPC same-core", Metric: "cycles", Cores: 1 });
        Assert.Contains(t, r => r.Series.StartsWith("URPC one-way ") && r.Metric == "cycles");
        Assert.Contains(t, r => r.Series.StartsWith("URPC round-trip ") && r.Metric == "cycles");
        Assert.Contains(t, r => r.Series.StartsWith("URPC throughput ") && r is { Metric: "msgs_per_kcycle", Unit: "msgs/kcycle" });
        // Every URPC row also measured between two core processes (process mode), with the suffix the report reads.
        var urpc = t.Where(r => r.Series.StartsWith("URPC ")).ToList();
        Assert.Equal(urpc.Count / 2, urpc.Count(r => r.Series.EndsWith(UrpcTablesSweep.ProcessesSuffix)));
        Assert.All(urpc.Where(r => r.Series.EndsWith(UrpcTablesSweep.ProcessesSuffix)), r => Assert.Contains("process mode", r.Note));
        Assert.All(t, r => Assert.Equal("pass", r.Verified));
        var tablesMeta = RunMeta.Load(tables);
        Assert.Equal("complete", tablesMeta.Status);
        Assert.NotEmpty(tablesMeta.CoreProcessStartupMs);
    }

    /// <summary>A writer that cancels the run once the program reports its first finished point.</summary>
    [Fact]
    public void InterruptedRunKeepsFinishedPointsAndListsTheMissingOnes()
    {
        string dir = TestCores.TempDir();
        using var cts = new CancellationTokenSource();
        int exit = Fig1Cli.Run([.. Tiny, "--cores", $"{TestCores.First(1)[0]}", "--out", dir], new CancelAfterFirstPoint(cts), new StringWriter(), cts.Token);
        Assert.Equal(Fig1Run.Interrupted, exit);

        string fig = Path.Combine(dir, Fig1Settings.SharedStateId);
        Assert.Equal(["SHM1"], ResultsFile.Read(fig).Select(r => r.Series));
        var meta = RunMeta.Load(fig);
        Assert.Equal("incomplete", meta.Status);
        Assert.Equal(["SHM2 cores=1", "SHM4 cores=1", "SHM8 cores=1", "lock1 cores=1", "lock8 cores=1", "spinlock1 cores=1", "spinlock8 cores=1"], meta.Incomplete);
        Assert.Contains(meta.Notes, n => n.Contains("interrupted"));

        var tables = RunMeta.Load(Path.Combine(dir, Fig1Settings.UrpcTablesId));
        Assert.Equal("incomplete", tables.Status);
        Assert.Contains("LRPC same-core core=" + TestCores.First(1)[0], tables.Incomplete);
    }
}


namespace Experiments.Tests;

/// <summary>The io-webserver program end to end at a tiny size: what it writes and how it refuses bad input.</summary>
public class IOCliTests
{
    static (int Exit, string Out, string Err) Run(params string[] args) => ProgramRun.Invoke(IoCli.Run, args);

    /// <summary>A quick run of one web part (1 s, one repetition, 4 connections) that must exit 0; its result rows.</summary>
    static IReadOnlyList<ResultRow> QuickWebRun(string part)
    {
        string dir = TestCores.TempDir();
        var (exit, _, err) = Run("--quick", "--only", part, "--duration", "1", "--repetitions", "1", "--connections", "4", "--cores", CoreList.Format(TestCores.UpToTwo), "--out", dir);
        Assert.True(exit == 0, err);
        return ResultsFile.Read(Path.Combine(dir, IoSettings.ExperimentId));
    }

    [Theory]
    [InlineData("--cores", "9999", "--cores", "allowed cores")]
    [InlineData("--duration", "fast", "--duration", "allowed: 0.2 to 600")]
    [InlineData("--duration", "0.01", "--duration", "allowed: 0.2 to 600")]
    [InlineData("--repetitions", "0", "--repetitions", "allowed: 1 to")]
    [InlineData("--payload", "8", "--payload", "allowed: 24 to")]
    [InlineData("--only", "udp,tcp", "--only", "allowed: udp, static, dynamic")]
    [InlineData("--only", ",", "--only", "allowed: udp, static, dynamic")]
    [InlineData("--connections", "many", "--connections", "not a whole number")]
    [InlineData("--ring", "v4", "--ring", "allowed: v2, v3")]
    [InlineData("--rx-steering", "rss", "--rx-steering", "allowed: sender, sides")]
    public void BadValueNamesOptionAndAllowedValuesAndExitsWith2(string option, string value, string named, string allowed)
        => ProgramRun.AssertRefusedWritingNothing(IoCli.Run, IoSettings.ExperimentId, option, value, named, allowed);

    [Fact]
    public void AWebSeriesFailsWhenAnyWrkRunSawErrorsTheWarmUpIncluded()
    {
        static WrkResult Wrk(long non2xx, long socketErrors) => new(1000, 1e6, 100, 900, 2000, non2xx, socketErrors, "");
        Assert.Null(WebSeries.Failure(null, Wrk(0, 0), [Wrk(0, 0), Wrk(0, 0)]));
        Assert.Equal("wrk warm-up: 2000 requests, 3 non-2xx, 0 socket errors", WebSeries.Failure(null, Wrk(3, 0), [Wrk(0, 0)]));
        Assert.Equal("page differs; wrk run: 2000 requests, 0 non-2xx, 1 socket errors", WebSeries.Failure("page differs", Wrk(0, 0), [Wrk(0, 0), Wrk(0, 1)]));
    }

    [Fact]
    public void QuickAndFullTogetherAndFileAsOutAreRefused()
    {
        ProgramRun.AssertRefused(IoCli.Run, ["--quick", "--full", "--out", TestCores.TempDir()], "--quick and --full cannot be combined");
        ProgramRun.AssertFileAsOutRefused(IoCli.Run);
    }

    /// <summary>
    /// With --rx-steering sides: every series checked, the veth rows say rx=sides and where the receive work went, and
    /// every series records how busy its server and load cores were (the default, rx=sender, is what the static and
    /// dynamic quick runs use).
    /// </summary>
    [Fact]
    public void UdpQuickRunWritesCheckedRowsForBothSeries()
    {
        string dir = TestCores.TempDir();
        var (exit, _, err) = Run("--quick", "--only", "udp", "--duration", "0.3", "--repetitions", "1", "--cores", CoreList.Format(TestCores.UpToTwo), "--rx-steering", "sides", "--out", dir);
        Assert.True(exit == 0, err);
        string exp = Path.Combine(dir, IoSettings.ExperimentId);
        var rows = ResultsFile.Read(exp);
        var meta = RunMeta.Load(exp);
        Assert.Equal("complete", meta.Status);
        Assert.Equal(IoSettings.ExperimentId, meta.Experiment);
        foreach (string metric in new[] { "packets_per_s", "mbit_per_s", "p50_latency_us", "p99_latency_us" })
        {
            var host = Assert.Single(rows, r => r.Series == UdpEchoSeries.HostSeries && r.Metric == metric);
            Assert.Equal("pass", host.Verified);
            Assert.True(host.Median > 0);
            Assert.Equal(1, host.Cores);
            Assert.Contains(SeriesWire.VethMissing == null ? "wire=veth;rx=sides" : "wire=loopback", host.Param);
            if (SeriesWire.VethMissing == null) Assert.Contains("kernel receive work steered (RPS): the server end's on core(s) ", host.Note);
            if (TestCores.HasTwo)
            {
                var kernel = Assert.Single(rows, r => r.Series == UdpEchoSeries.MkSeries && r.Metric == metric && r.Param.Contains("stack=kernel"));
                Assert.Equal("pass", kernel.Verified);
                Assert.True(kernel.Median > 0);
                Assert.Equal(2, kernel.Cores);
                var user = Assert.Single(rows, r => r.Series == UdpEchoSeries.MkSeries && r.Metric == metric && r.Param.Contains("stack=user"));
                if (SeriesWire.VethMissing is { } missing)
                    Assert.Equal("skipped: " + missing, user.Note);
                else
                {
                    Assert.True(user.Verified == "pass", user.Note);
                    Assert.True(user.Median > 0);
                    // The server leaves the load generator a core of its own: on a two-core machine the user stack has one.
                    Assert.Equal(IoSettings.ServerCoreCount(IoSettings.UdpLayoutCores, TestCores.UpToTwo, CoreList.Allowed()), user.Cores);
                }
            }
        }
        foreach (var r in rows.Where(r => r.Samples > 0 && r.Metric == "packets_per_s"))
            foreach (string metric in new[] { CoreBusyMetrics.Server, CoreBusyMetrics.Load })
            {
                var busy = Assert.Single(rows, b => b.Series == r.Series && b.Param == r.Param && b.Metric == metric);
                Assert.InRange(busy.Median, 0, 100);
                Assert.Equal("%", busy.Unit);
            }
        Assert.Contains("[io-webserver] 1/", err);
    }

    /// <summary>
    /// One core given: the user-level stack runs its driver and stack dispatchers on it (or is skipped, with the reason,
    /// where no veth wire can be built); the extra series on the host kernel's sockets, which keeps two cores, is
    /// skipped with the reason; the host loop is measured.
    /// </summary>
    [Fact]
    public void OneCoreRunsTheUserStackOnItSkipsTheTwoCoreKernelSeriesWithTheReasonAndMeasuresTheHost()
    {
        string dir = TestCores.TempDir();
        int core = TestCores.First(1)[0];
        var (exit, _, err) = Run("--only", "udp", "--duration", "0.3", "--repetitions", "1", "--cores", $"{core}", "--out", dir);
        Assert.True(exit == 0, err);
        Assert.Contains("UDP echo/mk [stack=kernel;wire=loopback] skipped: the multikernel variant needs 2 cores", err);
        var rows = ResultsFile.Read(Path.Combine(dir, IoSettings.ExperimentId));
        var kernel = Assert.Single(rows, r => r.Series == UdpEchoSeries.MkSeries && r.Param.Contains("stack=kernel"));
        Assert.True(double.IsNaN(kernel.Median));
        Assert.StartsWith("skipped: ", kernel.Note);
        var user = Assert.Single(rows, r => r.Series == UdpEchoSeries.MkSeries && r.Param.Contains("stack=user") && r.Metric == "packets_per_s");
        Assert.Equal(1, user.Cores);
        if (SeriesWire.VethMissing is { } missing) Assert.Equal("skipped: " + missing, user.Note);
        else
        {
            Assert.True(user.Verified == "pass", user.Note);
            Assert.Contains($"all on core {core}", user.Note);
        }
        Assert.Contains(rows, r => r.Series == UdpEchoSeries.HostSeries && r.Verified == "pass");
    }

    [Theory]
    [InlineData(2, new[] { 0, 1 }, new[] { 0, 1 }, null, 1)]             // two-core machine: the load generator gets the second
    [InlineData(2, new[] { 0, 1 }, new[] { 0, 1, 2 }, null, 2)]          // another allowed core takes the load
    [InlineData(3, new[] { 0, 1 }, new[] { 0, 1 }, null, 1)]             // dynamic on two cores
    [InlineData(3, new[] { 0, 1, 2 }, new[] { 0, 1, 2 }, null, 2)]       // dynamic on three: the database beside the stack
    [InlineData(3, new[] { 0, 1, 2, 3 }, new[] { 0, 1, 2, 3 }, null, 3)] // a fourth core for the load: the database's own core
    [InlineData(2, new[] { 4 }, new[] { 4 }, null, 1)]                    // one core: the server keeps it (the load shares it)
    [InlineData(2, new[] { 0, 1 }, new[] { 0, 1 }, 2, 2)]                 // --server-cores 2: as asked, the load shares core 1
    [InlineData(3, new[] { 0, 1, 2, 3 }, new[] { 0, 1, 2, 3 }, 1, 1)]
    [InlineData(2, new[] { 0 }, new[] { 0, 1 }, 2, 1)]                    // never more than the cores given
    public void ServerCoresLeaveTheLoadGeneratorACoreWhereTheyCanUnlessAskedOtherwise(int layout, int[] cores, int[] allowed, int? chosen, int expected) =>
        Assert.Equal(expected, IoSettings.ServerCoreCount(layout, cores, allowed, chosen));

    [Fact]
    public void MoreServerCoresThanCoresIsRefusedNamingBothOptions()
    {
        var (exit, _, err) = Run("--cores", $"{TestCores.First(1)[0]}", "--server-cores", "2", "--out", TestCores.TempDir());
        Assert.Equal(ExitCode.BadInput, exit);
        Assert.Contains("--server-cores: 2 is more than the 1 core(s) --cores gives", err);
        (exit, _, err) = Run("--server-cores", "4");
        Assert.Equal(ExitCode.BadInput, exit);
        Assert.Contains("--server-cores", err);
    }

    /// <summary>
    /// The static web part end to end with the real tools: on a machine with wrk and lighttpd (CI installs them with
    /// scripts/install-deps.sh) every series is measured and passes its checks; where a tool is missing the series is a
    /// skip row that names the install command, never a number.
    /// </summary>
    [Fact]
    public void StaticQuickRunMeasuresEveryServerOrSaysWhichToolIsMissing()
    {
        var rows = QuickWebRun("static");
        foreach (string series in new[] { WebSeries.StaticKestrel, WebSeries.StaticLighttpd, WebSeries.StaticMk })
        {
            bool missing = Tools.Wrk == null || (series == WebSeries.StaticLighttpd && Tools.Lighttpd == null);
            // The multikernel has two series (stack=user on the veth wire, stack=kernel on loopback); the user one needs root.
            foreach (string? stack in series == WebSeries.StaticMk ? new[] { "stack=user", "stack=kernel" } : new string?[] { null })
            {
                bool Match(ResultRow r) => r.Series == series && (stack == null || r.Param.Contains(stack));
                if (missing || (stack == "stack=kernel" && !TestCores.HasTwo) || (stack == "stack=user" && SeriesWire.VethMissing != null))
                {
                    var skip = Assert.Single(rows, Match);
                    Assert.True(double.IsNaN(skip.Median));
                    Assert.StartsWith("skipped: ", skip.Note);
                    if (missing) Assert.Contains("scripts/install-deps.sh", skip.Note);
                    continue;
                }
                foreach (string metric in new[] { "requests_per_s", "mbit_per_s", "p50_latency_us", "p99_latency_us" })
                {
                    var row = Assert.Single(rows, r => Match(r) && r.Metric == metric);
                    Assert.True(row.Verified == "pass", row.Note);
                    Assert.True(row.Median > 0, $"{series} {stack} {metric} = {row.Median}");
                }
                var load = Assert.Single(rows, r => Match(r) && r.Metric == CoreBusyMetrics.Load);
                Assert.InRange(load.Median, 0, 100);
                if (stack != "stack=kernel" && SeriesWire.VethMissing == null)
                {
                    Assert.Contains("wire=veth;rx=sender", load.Param); // the default
                    Assert.Contains("kernel receive work on the sending core", load.Note);
                }
            }
        }
    }

    /// <summary>The dynamic part end to end: both series measured and checked against the database, or skipped for a missing wrk.</summary>
    [Fact]
    public void DynamicQuickRunMeasuresBothServersOrSaysWhyNot()
    {
        var rows = QuickWebRun("dynamic");
        foreach (string series in new[] { WebSeries.DynamicMk, WebSeries.DynamicKestrel })
        {
            foreach (string? stack in series == WebSeries.DynamicMk ? new[] { "stack=user", "stack=kernel" } : new string?[] { null })
            {
                bool Match(ResultRow r) => r.Series == series && (stack == null || r.Param.Contains(stack));
                if (Tools.Wrk == null || (stack == "stack=kernel" && !TestCores.HasTwo) || (stack == "stack=user" && SeriesWire.VethMissing != null))
                {
                    Assert.StartsWith("skipped: ", Assert.Single(rows, Match).Note);
                    continue;
                }
                var row = Assert.Single(rows, r => Match(r) && r.Metric == "requests_per_s");
                Assert.True(row.Verified == "pass", row.Note);
                Assert.True(row.Median > 0);
                Assert.Contains("checks: " + WebSeries.DynamicChecks, row.Note); // the dynamic check, not the static page's
            }
        }
    }

    /// <summary>
    /// With one core given (--cores) the load generator runs on another allowed core: meta.json's CoresUsed, which the
    /// report prints as the run's cores, must name that core too, not only the --cores list.
    /// </summary>
    [Fact]
    public void MetaNamesTheLoadGeneratorsCoresBeyondTheCoresOption()
    {
        int[] cores = TestCores.FirstOrSkip(2);
        string dir = TestCores.TempDir();
        int exit = IoCli.Run(["--only", "udp", "--duration", "0.3", "--repetitions", "1", "--cores", CoreList.Format([cores[0]]), "--out", dir],
            new StringWriter(), new StringWriter(), CancellationToken.None);
        string exp = Path.Combine(dir, IoSettings.ExperimentId);
        var host = Assert.Single(ResultsFile.Read(exp), r => r.Series == UdpEchoSeries.HostSeries && r.Metric == "packets_per_s");
        Assert.True(exit is 0 or 1, $"exit {exit}");
        Assert.Contains($"load generator on core(s) {cores[1]},", host.Note);
        Assert.Equal(CoreList.Format(cores), RunMeta.Load(exp).CoresUsed);
    }

    /// <summary>Ctrl-C during the first series: it finishes, the next is not started, and meta.json says what is missing.</summary>
    [Fact]
    public void InterruptionKeepsFinishedSeriesAndMarksTheRunIncomplete()
    {
        string dir = TestCores.TempDir();
        using var cancel = new CancellationTokenSource();
        var err = new CancelOnLine("[io-webserver] 1/", cancel);
        int exit = IoCli.Run(["--only", "udp", "--duration", "0.3", "--repetitions", "1", "--cores", CoreList.Format(TestCores.UpToTwo), "--out", dir], new StringWriter(), err, cancel.Token);
        Assert.Equal(130, exit);
        string exp = Path.Combine(dir, IoSettings.ExperimentId);
        var meta = RunMeta.Load(exp);
        Assert.Equal("incomplete", meta.Status);
        Assert.Equal(["udp/mk-kernel", "udp/host"], meta.Incomplete);
        Assert.Contains(meta.Notes, n => n.Contains("interrupted (SIGINT or SIGTERM) after 1 of 3 series"));
        Assert.Contains(ResultsFile.Read(exp), r => r.Series == UdpEchoSeries.MkSeries);
        Assert.DoesNotContain(ResultsFile.Read(exp), r => r.Series == UdpEchoSeries.HostSeries);
    }

    /// <summary>A progress writer that plays the user pressing Ctrl-C when a given line appears.</summary>
    sealed class CancelOnLine(string marker, CancellationTokenSource cancel) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value != null && value.Contains(marker, StringComparison.Ordinal)) cancel.Cancel();
        }
    }

    [Fact]
    public void WrkReportIsParsedWithUnits()
    {
        const string report = """
            Running 1s test @ http://127.0.0.1:1/index.html
              1 threads and 4 connections
              Latency Distribution
                 50%  319.00us
                 75%  349.00us
                 90%    1.20ms
                 99%    1.50s
              181507 requests in 2.00s, 760.58MB read
              Socket errors: connect 0, read 2, write 0, timeout 1
              Non-2xx or 3xx responses: 5
            Requests/sec:  90742.99
            Transfer/sec:    380.24MB
            """;
        var r = WrkRunner.Parse(report);
        Assert.Equal(90742.99, r.RequestsPerSecond, 2);
        Assert.Equal(380.24 * 1024 * 1024, r.BytesPerSecond, 0);
        Assert.Equal(319.0, r.P50Us, 6);
        Assert.Equal(1.5e6, r.P99Us, 6);
        Assert.Equal(181507, r.Requests);
        Assert.Equal(5, r.Non2xx);
        Assert.Equal(3, r.SocketErrors);
        Assert.False(r.Clean);
        Assert.Throws<FormatException>(() => WrkRunner.Parse("nothing"));
    }

    /// <summary>The other units wrk prints (KB of 1024 bytes, ms), connect errors counted, and no Non-2xx line: none.</summary>
    [Fact]
    public void WrkReportInKilobytesAndMillisecondsCountsConnectErrors()
    {
        var r = WrkRunner.Parse("""
                50%    2.00ms
                99%    3.50ms
              1000 requests in 1.00s, 500.00KB read
              Socket errors: connect 2, read 0, write 0, timeout 0
            Requests/sec:   1000.00
            Transfer/sec:    512.00KB
            """);
        Assert.Equal(512.0 * 1024, r.BytesPerSecond, 6);
        Assert.Equal(2000.0, r.P50Us, 6);
        Assert.Equal(3500.0, r.P99Us, 6);
        Assert.Equal(2, r.SocketErrors);
        Assert.Equal(0, r.Non2xx);
        Assert.False(r.Clean);
    }

    /// <summary>A wrk run is clean only with requests, none above 399, no socket error and, where counted, none outside 2xx.</summary>
    [Theory]
    [InlineData(10, 0, 0, null, true)]
    [InlineData(10, 0, 0, 0L, true)]
    [InlineData(0, 0, 0, null, false)]
    [InlineData(10, 1, 0, null, false)]
    [InlineData(10, 0, 1, null, false)]
    [InlineData(10, 0, 0, 3L, false)]
    public void AWrkRunIsCleanOnlyWithRequestsAndNoFault(long requests, long non2xx, long socketErrors, long? outside2xx, bool clean) =>
        Assert.Equal(clean, new WrkResult(1, 1, 1, 1, requests, non2xx, socketErrors, "", outside2xx).Clean);

    [Theory]
    [InlineData(4, 32, 4, 32)]
    [InlineData(3, 32, 3, 30)] // 32 / 3 = 10 on each of 3 threads
    [InlineData(4, 2, 2, 2)]   // never more threads than connections
    public void WrkRunsAThreadPerCoreAndKeepsWholeConnectionsPerThread(int cores, int connections, int threads, int open)
    {
        Assert.Equal(threads, WrkRunner.Threads(cores, connections));
        Assert.Equal(open, WrkRunner.OpenConnections(cores, connections));
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2 }, 2, new[] { 0, 1, 2 }, 1, new[] { 2 }, false)]       // the chosen core beyond the server's
    [InlineData(new[] { 0, 1 }, 2, new[] { 0, 1, 2, 3 }, 1, new[] { 2 }, false)]       // another allowed core, as many as wanted
    [InlineData(new[] { 0, 1 }, 1, new[] { 0, 1, 2, 3 }, 2, new[] { 1, 2 }, false)]
    [InlineData(new[] { 3, 5 }, 2, new[] { 3, 5 }, 1, new[] { 5 }, true)]               // none free: the server's last core
    public void TheLoadGeneratorTakesFreeCoresOrSharesTheServersLast(int[] chosen, int serverCores, int[] allowed, int wanted, int[] load, bool shared)
    {
        var p = LoadPlacement.For(chosen, serverCores, allowed, wanted);
        Assert.Equal(load, p.Cores);
        Assert.Equal(shared, p.Shared);
    }

    /// <summary>The duration's bounds are allowed: with another option refused, the message names that one only.</summary>
    [Theory]
    [InlineData("0.2")]
    [InlineData("600")]
    public void TheDurationsBoundsAreAllowed(string seconds)
    {
        var (exit, _, err) = Run("--duration", seconds, "--server-cores", "4", "--out", TestCores.TempDir());
        Assert.Equal(ExitCode.BadInput, exit);
        Assert.Contains("--server-cores", err);
        Assert.DoesNotContain("--duration", err);
    }

    [Fact]
    public void AMetricWithoutACheckOfItsOwnIsNeitherPassNorFail() =>
        Assert.Equal("", Rows.Unchecked("s", 1, "p", "m", "%", [1.0, 2.0], "n").Verified);
}

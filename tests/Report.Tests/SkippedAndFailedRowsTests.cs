using Report.Catalog;
using Report.Input;

namespace Report.Tests;

/// <summary>
/// Issue 15 item 2: the suite's own skipped and failed rows (a NaN median, no samples, a "skipped: reason" note; or
/// Verified = fail with NaN values) never stop the report; each appears as such and is never plotted.
/// </summary>
public class SkippedAndFailedRowsTests
{
    const string Io = ExperimentCatalog.IoWebserver, Cmp = ExperimentCatalog.Compute;

    static FixtureRun IoRunWithoutTools()
    {
        var fx = new FixtureRun();
        fx.Write(Io,
        [
            FixtureRun.Row(Io, "UDP echo/mk", 1, 150_000, "packets_per_s", "packets/s", "payload=1024"),
            FixtureRun.Skipped(Io, "web static/lighttpd", 1, "requests_per_s", "requests/s", "lighttpd not found; install it with scripts/install-deps.sh run"),
            FixtureRun.Skipped(Io, "web static/lighttpd", 1, "p99_latency_us", "us", "lighttpd not found; install it with scripts/install-deps.sh run"),
            FixtureRun.Skipped(Io, "web static/kestrel", 1, "requests_per_s", "requests/s", "wrk not found"),
        ]);
        fx.Write(Cmp,
        [
            FixtureRun.Row(Cmp, "CG/mk", 1, 0.5, "seconds", "s", "bench=cg;class=S", "pass"),
            FixtureRun.FailedNaN(Cmp, "CG/host", 1, "seconds", "s", "verification failed in 1 of 3 runs: zeta off", "bench=cg;class=S"),
        ]);
        return fx;
    }

    [Fact]
    public void A_run_with_skipped_and_failed_rows_loads()
    {
        using var fx = IoRunWithoutTools();
        var run = RunFolder.Load(fx.RunDir);
        var io = run.Find(Io)!;
        Assert.Equal(3, io.Rows.Count(r => RowStatus.Of(r) == RowKind.Skipped));
        Assert.Equal(RowKind.Failed, RowStatus.Of(run.Find(Cmp)!.Rows.Single(r => r.Series == "CG/host")));
        Assert.Equal("wrk not found", RowStatus.Reason(io.Rows.Last()));
    }

    [Fact]
    public void The_report_shows_skipped_and_failed_rows_as_such_and_never_plots_them()
    {
        using var fx = IoRunWithoutTools();
        string html = ReportDocumentTests.Build(fx);
        Assert.Contains("Skipped:", html);
        Assert.Contains("lighttpd not found; install it with scripts/install-deps.sh run", html);
        Assert.Contains("wrk not found", html);
        Assert.Contains("Verification failed:", html);
        Assert.Contains("zeta off", html);
        Assert.Contains("4 (3 skipped)", html); // the experiments table counts them
        var charts = ChartPanel.All(html);
        Assert.DoesNotContain(charts.SelectMany(c => c.Names), n => n.Contains("lighttpd") || n.Contains("kestrel"));
        Assert.Equal(["mk"], ChartPanel.Titled(html, "Time").Names);
        Assert.DoesNotContain(charts.SelectMany(c => c.Traces).SelectMany(t => t.Y), double.IsNaN);
        // The claim that needs lighttpd says why it cannot be judged.
        Assert.Contains("web static/mk: no rows in io-webserver", html);
    }

    [Fact]
    public void A_row_with_samples_but_no_value_is_listed()
    {
        using var fx = new FixtureRun();
        var row = FixtureRun.Row("urpc-vs-native", "native C", 2, double.NaN, "msgs_per_kcycle", "msgs/kcycle");
        fx.Write("urpc-vs-native-0-1", [row, FixtureRun.Row("urpc-vs-native", "native C", 2, 562, "rtt_cycles")]);
        string html = ReportDocumentTests.Build(fx);
        Assert.Contains("No value:", html);
        Assert.Contains("msgs_per_kcycle", html);
    }

    [Fact]
    public void The_report_program_writes_the_report_of_a_run_whose_every_row_was_skipped()
    {
        using var fx = new FixtureRun();
        fx.Write(Io,
        [
            FixtureRun.Skipped(Io, "UDP echo/mk", 1, "packets_per_s", "packets/s", "needs two cores"),
            FixtureRun.Skipped(Io, "web static/mk", 1, "requests_per_s", "requests/s", "needs two cores"),
        ]);
        var r = ReportProcess.Run("--run", fx.RunDir, "--no-pdf");
        Assert.True(r.ExitCode == 0, r.Stderr);
        string html = File.ReadAllText(Path.Combine(fx.RunDir, "report.html"));
        Assert.Contains("needs two cores", html);
        Assert.Contains("no measured point (2 skipped: needs two cores)", html);
    }
}

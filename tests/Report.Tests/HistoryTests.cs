using System.Globalization;
using System.Text;
using Report.History;
using Report.Input;
using TestSupport;

namespace Report.Tests;

/// <summary>The URPC latency history (report --history): reading the CI's file, the band of earlier runs, flags, the chapter.</summary>
public class HistoryTests
{
    const string Header = "Commit,Date,Host,Cpu,Benchmark,MedianNs,MedianCycles,Samples,Profile,Cores";

    /// <summary>A history as Benchmarks/History/HistoryFile writes it: <paramref name="cycles"/> per run of RoundTrip, one commit each.</summary>
    static string Write(string dir, IReadOnlyList<double> cycles, string? extraHeader = null, Func<int, string>? extra = null, string benchmark = "UrpcBenchmarks.RoundTrip")
    {
        var b = new StringBuilder(Header + (extraHeader is null ? "" : "," + extraHeader) + "\n");
        for (int i = 0; i < cycles.Count; i++)
        {
            var date = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero).AddDays(i);
            b.Append(CultureInfo.InvariantCulture, $"c{i:000}abcdef,{date:O},ci-runner,AMD EPYC,{benchmark},{cycles[i] / 2.6:0.###},{cycles[i]},15,short,\"0,1\"");
            if (extra is not null) b.Append(',').Append(extra(i));
            b.Append('\n');
        }
        string path = Path.Combine(dir, "urpc-history.csv");
        File.WriteAllText(path, b.ToString());
        return path;
    }

    [Fact]
    public void Reads_the_ci_history_format_with_and_without_the_optional_columns()
    {
        using var fx = new FixtureRun();
        var entries = UrpcHistory.Read(Write(fx.Root, [200, 210, 205]));
        Assert.Equal(3, entries.Count);
        Assert.Equal("c001abcdef", entries[1].Commit);
        Assert.Equal(210, entries[1].MedianCycles);
        Assert.Equal("0,1", entries[1].Cores);
        Assert.True(double.IsNaN(entries[1].CiLowCycles));
        Assert.Equal("", entries[1].Verdict);

        var withVerdicts = UrpcHistory.Read(Write(fx.Root, [200, 400], "CiLowCycles,CiHighCycles,Verdict", i => i == 1 ? "380,420,slower" : "190,210,same"));
        Assert.True(withVerdicts[1].FlaggedSlower);
        Assert.Equal(380, withVerdicts[1].CiLowCycles);
    }

    [Fact]
    public void A_file_that_is_not_a_history_is_an_input_error_naming_it()
    {
        using var fx = new FixtureRun();
        string path = fx.WriteFile("h.csv", "a,b\n1,2\n");
        var e = Assert.Throws<ReportInputException>(() => UrpcHistory.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("MedianNs", e.Message);
        File.WriteAllText(path, Header + "\nabc,yesterday,h,c,B,1,2,3,short,0\n");
        Assert.Contains("Date 'yesterday'", Assert.Throws<ReportInputException>(() => UrpcHistory.Read(path)).Message);
    }

    /// <summary>
    /// A median is a positive, finite time: any other would be a point of its series and enter the band of the next
    /// runs (a NaN one makes their band NaN, so a drop in throughput after it is never marked). Samples is a count: a
    /// value that is not a whole number of at least 0 would be shown in the chapter's table as 0. Each is an input
    /// error naming the file, the line and the field.
    /// </summary>
    [Theory]
    [InlineData("MedianNs", "NaN"), InlineData("MedianNs", "-76.9"), InlineData("MedianNs", "0"), InlineData("MedianNs", "Infinity")]
    [InlineData("MedianCycles", "-200"), InlineData("MedianCycles", "Infinity")]
    [InlineData("Samples", "many"), InlineData("Samples", "15.5"), InlineData("Samples", "-3")]
    public void A_median_or_sample_count_out_of_its_range_is_an_input_error_naming_the_line(string column, string value)
    {
        using var fx = new FixtureRun();
        string path = Path.Combine(fx.Root, "h.csv");
        string ns = column == "MedianNs" ? value : "76.9", cycles = column == "MedianCycles" ? value : "200", samples = column == "Samples" ? value : "15";
        File.WriteAllText(path, Header + "\n"
            + "c000,2026-11-01T12:00:00Z,ci-runner,AMD EPYC,UrpcBenchmarks.Throughput,76.9,200,15,short,\"0,1\"\n"
            + $"c001,2026-11-02T12:00:00Z,ci-runner,AMD EPYC,UrpcBenchmarks.Throughput,{ns},{cycles},{samples},short,\"0,1\"\n");
        var e = Assert.Throws<ReportInputException>(() => UrpcHistory.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains($"line 3: {column} '{value}'", e.Message);
    }

    /// <summary>
    /// A line's number in an error is the file's physical line: an empty line (two histories joined by hand) and a
    /// quoted field of two lines move every later record down. The reader counted records, so it named line 3 for
    /// the bad Date on line 6.
    /// </summary>
    [Fact]
    public void A_bad_line_after_an_empty_line_and_a_two_line_field_is_named_by_its_physical_line()
    {
        using var fx = new FixtureRun();
        string path = fx.WriteFile("h.csv", Header + "\n"
            + "c000,2026-11-01T12:00:00Z,ci-runner,\"AMD EPYC\nrev 2\",UrpcBenchmarks.RoundTrip,76.9,200,15,short,0\n"
            + "\n"
            + "c001,2026-11-02T12:00:00Z,ci-runner,AMD EPYC,UrpcBenchmarks.RoundTrip,77.1,200,15,short,0\n"
            + "c002,yesterday,ci-runner,AMD EPYC,UrpcBenchmarks.RoundTrip,77.3,200,15,short,0\n");
        Assert.Equal("c002,yesterday", File.ReadAllLines(path)[5][..14]);
        var e = Assert.Throws<ReportInputException>(() => UrpcHistory.Read(path));
        Assert.Equal($"{path}: line 6: Date 'yesterday' is not an ISO 8601 time", e.Message);
    }

    [Fact]
    public void An_empty_sample_count_reads_as_zero()
    {
        using var fx = new FixtureRun();
        string path = fx.WriteFile("h.csv", Header + "\n" + "c000,2026-11-01T12:00:00Z,ci-runner,AMD EPYC,UrpcBenchmarks.RoundTrip,76.9,200,,short,\"0,1\"\n");
        Assert.Equal(0, Assert.Single(UrpcHistory.Read(path)).Samples);
    }

    [Fact]
    public void A_median_in_cycles_may_be_unknown()
    {
        using var fx = new FixtureRun();
        string path = fx.WriteFile("h.csv", Header + "\nc000,2026-11-01T12:00:00Z,h,c,UrpcBenchmarks.RoundTrip,76.9,NaN,15,short,0\nc001,2026-11-02T12:00:00Z,h,c,UrpcBenchmarks.RoundTrip,77.1,,15,short,0\n");
        var entries = UrpcHistory.Read(path);
        Assert.All(entries, e => Assert.True(double.IsNaN(e.MedianCycles)));
        Assert.Equal("ns per operation", Assert.Single(HistoryPanel.Of(entries)).YTitle);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_history_that_cannot_be_read_is_an_input_error_saying_so()
    {
        using var fx = new FixtureRun();
        string path = Write(fx.Root, [200, 210]);
        UnreadableFile.AssertRefused<ReportInputException>(path, () => UrpcHistory.Read(path));
    }

    [Fact]
    public void A_run_slower_than_every_earlier_run_in_the_band_is_marked_and_an_ordinary_one_is_not()
    {
        using var fx = new FixtureRun();
        var steady = Enumerable.Range(0, 12).Select(i => 200.0 + (i % 4)).ToList();
        var entries = UrpcHistory.Read(Write(fx.Root, [.. steady, 202, 260]));
        var panel = Assert.Single(HistoryPanel.Of(entries));
        var points = Assert.Single(panel.Series).Points;
        Assert.False(points[0].HasBand); // fewer than 5 earlier runs
        Assert.False(points[4].HasBand);
        Assert.Equal(5, points[5].BandRuns); // from 5 earlier runs on
        Assert.Equal(12, points[12].BandRuns);
        Assert.Equal(200, points[12].BandLow);
        Assert.Equal(203, points[12].BandHigh);
        Assert.False(points[12].WorseThanBand(panel.HigherIsBetter));
        Assert.True(points[13].WorseThanBand(panel.HigherIsBetter));
        Assert.Equal(1, points.Count(p => p.WorseThanBand(panel.HigherIsBetter)));
    }

    /// <summary>The band is the range of the previous <see cref="HistoryPanel.Window"/> runs only: a slow run further back
    /// no longer widens it, so a later run as slow is marked again.</summary>
    [Fact]
    public void The_band_is_made_of_the_previous_twenty_runs_only()
    {
        using var fx = new FixtureRun();
        var entries = UrpcHistory.Read(Write(fx.Root, [300, .. Enumerable.Repeat(200.0, HistoryPanel.Window), 250]));
        var panel = Assert.Single(HistoryPanel.Of(entries));
        var last = panel.Series[0].Points[^1];
        Assert.Equal((HistoryPanel.Window, 200.0, 200.0), (last.BandRuns, last.BandLow, last.BandHigh));
        Assert.True(last.WorseThanBand(panel.HigherIsBetter));
    }

    /// <summary>A throughput point is 1000 / cycles per message, which turns the interval round: its CI's low end comes
    /// from the cycles' high end, so the bar still runs from below the point to above it.</summary>
    [Fact]
    public void A_throughput_runs_interval_runs_from_below_its_point_to_above_it()
    {
        using var fx = new FixtureRun();
        var entries = UrpcHistory.Read(Write(fx.Root, [25.0], "CiLowCycles,CiHighCycles", _ => "20,40", benchmark: "UrpcBenchmarks.Throughput"));
        var point = Assert.Single(Assert.Single(HistoryPanel.Of(entries)).Series[0].Points);
        Assert.Equal((25.0, 40.0, 50.0), (point.CiLow, point.Value, point.CiHigh)); // 1000/40, 1000/25, 1000/20
    }

    [Fact]
    public void Throughput_is_drawn_as_messages_per_kcycle_and_a_drop_is_the_worse_direction()
    {
        using var fx = new FixtureRun();
        var entries = UrpcHistory.Read(Write(fx.Root, [.. Enumerable.Repeat(25.0, 6), 50.0], benchmark: "UrpcBenchmarks.Throughput"));
        var panel = Assert.Single(HistoryPanel.Of(entries));
        Assert.True(panel.HigherIsBetter);
        Assert.Equal("Messages per kcycle", panel.YTitle);
        var last = panel.Series[0].Points[^1];
        Assert.Equal(20, last.Value); // 1000 / 50 cycles per message
        Assert.True(last.WorseThanBand(panel.HigherIsBetter));
    }

    [Fact]
    public void Runs_written_before_the_history_had_CIs_do_not_take_the_error_bars_of_the_later_runs()
    {
        // The CI columns came with a newer writer: a history that spans it has older lines without a CI. Their runs
        // get no bar; the later runs keep theirs (the caption says "Error bars: the run's 95% confidence interval").
        using var fx = new FixtureRun();
        var entries = UrpcHistory.Read(Write(fx.Root, [200, 210], "CiLowCycles,CiHighCycles", i => i == 0 ? "," : "190,215"));
        var panel = Assert.Single(HistoryPanel.Of(entries));
        var trace = Assert.Single(ChartPanel.All(Charts.PanelChart.ToHtml(Charts.HistoryChart.Build(panel, 600)))).Trace("ci-runner");
        trace.AssertErrorBars(up: [null, 5.0], down: [null, 20.0]);
    }

    /// <summary>The caption says which runs have a bar: with one of two lines carrying a CI it said "Error bars: the
    /// run's 95% confidence interval" as if every run had one.</summary>
    [Fact]
    public void The_caption_counts_the_runs_that_have_an_error_bar()
    {
        using var fx = new FixtureRun();
        string path = Write(fx.Root, [200, 210], "CiLowCycles,CiHighCycles", i => i == 0 ? "," : "190,215");
        string outDir = Path.Combine(fx.Root, "history-report");
        var r = ReportProcess.Run("--history", path, "--out", outDir, "--no-pdf");
        Assert.True(r.ExitCode == 0, r.Stderr);
        string html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains("for the 1 of 2 runs whose line gives one", html);
        Assert.DoesNotContain("Error bars: the run&#39;s 95% confidence interval.", html);
        Assert.DoesNotContain("Error bars: the run's 95% confidence interval.", html);
    }

    [Fact]
    public void Two_runs_of_one_commit_get_two_slots_in_date_order()
    {
        // An A/B check or a rerun tracks the same commit again: c000 on day 0, c001 on day 1, c000 again on day 2. Each
        // run keeps its own slot on the "Commit (oldest first)" axis, so the line never runs back to an earlier slot.
        using var fx = new FixtureRun();
        string path = Write(fx.Root, [200, 210, 220]);
        File.WriteAllText(path, File.ReadAllText(path).Replace("c002abcdef", "c000abcdef"));
        var panel = Assert.Single(HistoryPanel.Of(UrpcHistory.Read(path)));
        var chart = Assert.Single(ChartPanel.All(Charts.PanelChart.ToHtml(Charts.HistoryChart.Build(panel, 600))));
        var x = chart.Trace("ci-runner").X;
        Assert.Equal(3, x.Distinct().Count());
        Assert.Equal(["c000abcdef", "c001abcdef", "c000abcdef (2)"], x);
    }

    [Fact]
    public void History_alone_makes_a_report_with_a_panel_per_benchmark_and_the_flags()
    {
        using var fx = new FixtureRun();
        string path = Write(fx.Root, [.. Enumerable.Repeat(200.0, 6), 400], "Verdict", i => i == 6 ? "slower" : "same");
        string outDir = Path.Combine(fx.Root, "history-report");
        var r = ReportProcess.Run("--history", path, "--out", outDir, "--no-pdf");
        Assert.True(r.ExitCode == 0, r.Stderr);
        string html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains("URPC latency history per commit", html);
        var chart = Assert.Single(ChartPanel.All(html));
        Assert.Equal("UrpcBenchmarks.RoundTrip", chart.Title);
        Assert.Equal([400.0], chart.Trace("flagged slower by the comparer").Y);
        Assert.Equal([400.0], chart.Trace("worse than every previous run in the band").Y);
        Assert.Equal("c006abcdef", chart.Trace("flagged slower by the comparer").X[0]);
    }

    /// <summary>The chapter's table counts two different things in its last two columns: the runs worse than their band
    /// (ringed) and the runs the comparer flagged slower (crossed); here runs 2 and 3 are flagged and only the last is ringed.</summary>
    [Fact]
    public void The_history_table_counts_the_ringed_and_the_flagged_runs_apart()
    {
        using var fx = new FixtureRun();
        var entries = UrpcHistory.Read(Write(fx.Root, [.. Enumerable.Repeat(200.0, 6), 400], "Verdict", i => i is 1 or 2 ? "slower" : "same"));
        var w = new Html.HtmlWriter();
        Sections.HistorySection.Write(w, entries, "h.csv", 600);
        var row = System.Text.RegularExpressions.Regex.Match(w.ToString(), @"<td>(\d+)</td>\s*<td>(\d+)</td>\s*</tr>");
        Assert.True(row.Success, w.ToString());
        Assert.Equal(("1", "2"), (row.Groups[1].Value, row.Groups[2].Value));
    }

    [Fact]
    public void History_with_a_run_adds_its_chapter_and_says_when_the_file_records_no_verdicts()
    {
        using var fx = new FixtureRun().WithFig1();
        string path = Write(fx.Root, [200, 201, 202]);
        var r = ReportProcess.Run("--run", fx.RunDir, "--history", path, "--no-pdf");
        Assert.True(r.ExitCode == 0, r.Stderr);
        string html = File.ReadAllText(Path.Combine(fx.RunDir, "report.html"));
        Assert.Contains("id=\"urpc-history\"", html);
        Assert.Contains("records no comparer verdicts", html);
        Assert.True(html.IndexOf("id=\"urpc-history\"", StringComparison.Ordinal) < html.IndexOf("id=\"not-run\"", StringComparison.Ordinal));
    }
}

using System.Text.RegularExpressions;
using Experiments.Schema;
using Report.Catalog;
using Report.Charts;
using Report.Input;
using Report.Paper;

namespace Report.Tests;

public class ReportDocumentTests
{
    internal static string Build(FixtureRun fx) => ReportDocument.Build(RunFolder.Load(fx.RunDir), PaperValues.BuiltIn(), fx.RunDir);

    [Fact]
    public void Names_every_chapter_with_seed_and_paper_numbers_and_lists_missing_experiments_as_not_run()
    {
        using var fx = new FixtureRun().WithFig1().WithCompute().WithUrpcTables();
        string html = Build(fx);
        Assert.Contains("Fig 1 (paper Fig 3): updating shared state", html);
        Assert.Contains("Paper Tables 1-3: LRPC and URPC", html);
        Assert.Contains("Figs 4, 6 (paper Fig 9): compute-bound workloads", html); // CG and IS only: not "Figs 4-8", nor "Figs 4-6" (no FT)
        Assert.Contains("Fig 4 (paper Fig 9): NAS CG (conjugate gradient), class S", html);
        Assert.Contains("Fig 6 (paper Fig 9): NAS IS (integer sort), class S", html);
        Assert.DoesNotContain("SPLASH-2", html); // no SPLASH-2 title without SPLASH-2 rows
        var notRun = html[html.IndexOf("id=\"not-run\"", StringComparison.Ordinal)..];
        Assert.Contains(ExperimentCatalog.Fig3Tlb, notRun);
        Assert.Contains(ExperimentCatalog.IoWebserver, notRun);
        Assert.DoesNotContain("id=\"fig3-tlb\"", html); // a missing experiment gets no chapter
    }

    [Fact]
    public void Title_page_describes_the_machine_from_meta_json()
    {
        using var fx = new FixtureRun().WithFig1();
        string html = Build(fx);
        foreach (var fact in new[] { "Fixture CPU model 9000", "fixturehost", "6.1.0-fixture", "fix1234", "2.5 GHz", "L3 groups", "NUMA nodes", "Sockets" })
            Assert.Contains(fact, html);
    }

    [Fact]
    public void Title_page_has_the_claims_and_a_reading_per_figure_computed_from_the_rows()
    {
        using var fx = new FixtureRun().WithFig1();
        string html = Build(fx);
        string title = html[..html.IndexOf("class=\"chapter\"", StringComparison.Ordinal)];
        Assert.Contains("The paper&#39;s claims in this run", title);
        Assert.Contains("Message passing beats shared memory", title);
        // WithFig1: SHM8 = 300 + 750 c, MSG8 = 300 + 1250 c: at 2 cores 1,800 vs 2,800 cycles.
        Assert.Contains("at 2 cores MSG8 2,800 vs SHM8 1,800 cycles per update", title);
        Assert.Contains("The figures at a glance", title);
        Assert.Contains("At 2 cores MSG8 costs 2,800 cycles per update against SHM8&#39;s 1,800 (messages dearer)", title);
    }

    /// <summary>
    /// Fig 1's reading at the largest core count where SHM8 has a point and MSG8 none: "it needs two cores" is the
    /// reason only at one core. At two cores with MSG8's point skipped there, the reading said so all the same.
    /// </summary>
    [Fact]
    public void Fig1_reading_gives_the_true_reason_when_MSG8_has_no_point_at_the_largest_core_count()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalog.Fig1,
        [
            FixtureRun.Row(ExperimentCatalog.Fig1, "SHM8", 1, 1000),
            FixtureRun.Row(ExperimentCatalog.Fig1, "SHM8", 2, 1800),
            FixtureRun.Row(ExperimentCatalog.Fig1, "MSG8", 2, 2800, verified: "fail", note: "a reply was lost"),
        ]);
        string title = System.Net.WebUtility.HtmlDecode(Build(fx));
        title = title[..title.IndexOf("class=\"chapter\"", StringComparison.Ordinal)];
        Assert.DoesNotContain("it needs two cores", title);
        Assert.Contains("At 2 cores SHM8 costs 1,800 cycles per update (no MSG8 point measured)", title);
    }

    /// <summary>Fig 1's reading called messages "dearer" where MSG8's median equals SHM8's; it now says they cost the same.</summary>
    [Fact]
    public void Fig1_reading_calls_equal_medians_the_same_cost()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalog.Fig1, [FixtureRun.Row(ExperimentCatalog.Fig1, "SHM8", 2, 1800), FixtureRun.Row(ExperimentCatalog.Fig1, "MSG8", 2, 1800)]);
        string title = System.Net.WebUtility.HtmlDecode(Build(fx));
        title = title[..title.IndexOf("class=\"chapter\"", StringComparison.Ordinal)];
        Assert.Contains("At 2 cores MSG8 costs 1,800 cycles per update against SHM8's 1,800 (the same median)", title);
    }

    /// <summary>
    /// A program that wrote "complete" results and then exited with an error: run-all.sh records it as failed with its
    /// exit code, and the first page's table of experiments says so beside the meta.json's "complete" (it said
    /// "complete" alone). An experiment run-all recorded as ok shows its status alone.
    /// </summary>
    [Fact]
    public void The_experiments_table_says_when_run_all_recorded_a_program_as_failed_although_its_results_are_complete()
    {
        using var fx = new FixtureRun().WithFig1().WithCompute();
        File.WriteAllText(Path.Combine(fx.RunDir, "meta.json"), """
            {"kind":"run","state":"finished","host":"fixturehost","profile":"quick","cores":"0-1","command":"./run-all.sh --quick",
             "commit":"fix1234","started":"2026-01-01T10:00:00Z","finished":"2026-01-01T10:09:00Z",
             "experiments":[{"name":"fig1","folders":["fig1-shared-state","urpc-tables"],"status":"failed","exitCode":3,"seconds":60,"log":"","reason":"exit code 3"},
                            {"name":"compute","folders":["compute"],"status":"ok","exitCode":0,"seconds":60,"log":"","reason":""}]}
            """);
        string html = System.Net.WebUtility.HtmlDecode(Build(fx));
        string title = html[..html.IndexOf("class=\"chapter\"", StringComparison.Ordinal)];
        Assert.Contains("<td>fig1-shared-state</td>\n<td>complete; run-all.sh: failed (exit code 3)</td>", title);
        Assert.Contains("<td>compute</td>\n<td>complete</td>", title);
    }

    [Fact]
    public void Plotly_js_is_inlined_exactly_once_and_nothing_is_loaded_from_the_network()
    {
        using var fx = new FixtureRun().WithFig1().WithCompute();
        string html = Build(fx);
        Assert.Single(Regex.Matches(html, Regex.Escape(PlotlyScript.Source[..200])));
        Assert.True(PlotlyScript.Source.Length > 1_000_000, "plotly.js should be the full bundle");
        string ours = html.Replace(PlotlyScript.Source, ""); // plotly.js itself names its CDN in config defaults it never uses here
        Assert.DoesNotMatch(@"<script[^>]+src=", ours);
        Assert.DoesNotMatch(@"https?://", ours);
        Assert.True(ChartPanel.All(html).Count >= 3); // fig 1 + CG + IS
    }

    [Fact]
    public void Fig1_puts_the_papers_series_in_one_panel_and_the_rest_beside_it()
    {
        using var fx = new FixtureRun().WithFig1();
        string html = Build(fx);
        var charts = ChartPanel.All(html);
        Assert.Equal(2, charts.Count); // no second, "fitted" copy of the chart
        var paper = ChartPanel.Titled(html, "As in the paper");
        Assert.Equal(["SHM1", "SHM2", "SHM4", "SHM8", "MSG1", "MSG8", "Server"], paper.Names.Where(n => !n.StartsWith("paper", StringComparison.Ordinal)));
        var variants = ChartPanel.Titled(html, "Baselines and variants");
        Assert.Equal(["HostLock"], variants.Names);
        var shm8 = paper.Trace("SHM8");
        Assert.Equal([1.0, 2.0], shm8.XNumbers);
        Assert.Equal([(300 + 250 * 3) / 1000.0, (300 + 250 * 3 * 2) / 1000.0], shm8.Y); // cycles shown in thousands, as the paper
    }

    [Fact]
    public void Paper_values_far_outside_our_range_share_the_axes_on_log_scales_and_the_caption_says_so()
    {
        using var fx = new FixtureRun();
        // A 2-core machine: every curve below 500 cycles, the paper's SHM8 at 12,000.
        fx.Write(ExperimentCatalog.Fig1, new[] { ("SHM1", 36.0), ("SHM8", 483.0), ("MSG8", 364.0), ("Server8", 34.0) }
            .SelectMany(p => new[] { 1, 2 }.Select(c => FixtureRun.Row(ExperimentCatalog.Fig1, p.Item1, c, p.Item2 * c / 2))));
        string html = Build(fx);
        var paper = ChartPanel.Titled(html, "As in the paper");
        // The paper's SHM8 (12,000 cycles at 16 cores) is on the same axes as our 2-core curves.
        var marks = paper.Traces.Where(t => t.Name.StartsWith("paper", StringComparison.Ordinal)).ToList();
        Assert.Contains(marks, t => t.XNumbers.Contains(16.0) && t.Y.Contains(12.0));
        Assert.Contains(marks, t => t.XNumbers.Contains(1.0) && t.Y.Contains(0.03)); // "SHM (any)": under 30 cycles at 1 core
        Assert.Equal("log", paper.AxisType("yaxis"));
        Assert.Equal("log", paper.AxisType("xaxis"));
        Assert.Contains("is logarithmic so that the paper&#39;s values", html);
        Assert.Contains("measured on 4x4-core AMD 2.5GHz", html);
        Assert.Contains("ours measured on Fixture CPU model 9000", html);
    }

    [Fact]
    public void Axes_stay_linear_when_our_data_reaches_the_papers_range()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalog.Fig1, Enumerable.Range(1, 16).Select(c => FixtureRun.Row(ExperimentCatalog.Fig1, "SHM8", c, 800.0 * c)));
        var chart = Assert.Single(ChartPanel.All(Build(fx)));
        Assert.Null(chart.AxisType("yaxis"));
        Assert.Null(chart.AxisType("xaxis"));
        Assert.Equal(0, chart.Range("yaxis")[0]);
    }

    /// <summary>
    /// A value below 0 (a difference, a CI's low end) on a linear y axis: the axis ran from 0, so the point and its error
    /// bar were drawn outside the plot area, with nothing saying so. The axis now reaches below the lowest value drawn.
    /// </summary>
    [Fact]
    public void A_linear_y_axis_holds_a_value_below_zero()
    {
        using var fx = new FixtureRun();
        var below = FixtureRun.Row("fixture-differences", "delta", 2, -40);
        below.CiLow = -60;
        below.CiHigh = -20;
        fx.Write("fixture-differences", [FixtureRun.Row("fixture-differences", "delta", 1, 25), below], FixtureRun.Meta("fixture-differences"));
        var chart = Assert.Single(ChartPanel.All(Build(fx)));
        Assert.Equal([25.0, -40.0], chart.Trace("delta").Y);
        Assert.Null(chart.AxisType("yaxis"));
        var range = chart.Range("yaxis");
        Assert.True(range[0] < -60 && range[1] > 25 * 1.05, $"y axis [{range[0]}, {range[1]}] does not hold the values drawn, -60 (a CI's low end) to 26.25");
    }

    /// <summary>
    /// The paper's values far above ours turned the y axis logarithmic even where a median of ours was below 0, which a
    /// log axis cannot draw: the point vanished. The axis now stays linear and holds it.
    /// </summary>
    [Fact]
    public void A_median_below_zero_keeps_the_y_axis_linear_despite_the_papers_range()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalog.Fig1, [FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 1, -10), FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 2, 40)]);
        var paper = ChartPanel.Titled(Build(fx), "As in the paper");
        Assert.Contains(paper.Traces, t => t.Name.StartsWith("paper", StringComparison.Ordinal) && t.Y.Contains(12.0)); // the paper's SHM8 at 16 cores
        Assert.Null(paper.AxisType("yaxis"));
        Assert.True(paper.Range("yaxis")[0] < -0.0105, $"y axis starts at {paper.Range("yaxis")[0]}, above SHM1's CI low end at 1 core, -0.0105 (thousands of cycles)");
    }

    [Fact]
    public void Paper_values_in_other_units_are_not_overlaid()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalog.Fig1, [FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 1, 55, unit: "ns"), FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 2, 80, unit: "ns")]);
        var chart = Assert.Single(ChartPanel.All(Build(fx)));
        Assert.DoesNotContain(chart.Names, n => n.StartsWith("paper", StringComparison.Ordinal));
    }

    [Fact]
    public void Compute_gets_a_figure_per_benchmark_with_runtimes_as_series_and_failed_rows_listed_never_plotted()
    {
        using var fx = new FixtureRun().WithCompute();
        string html = Build(fx);
        var charts = ChartPanel.All(html);
        Assert.Equal(2, charts.Count); // CG time, IS time (the fixture has no speedup rows)
        Assert.All(charts, c => Assert.Equal(["mk", "host"], c.Names));
        Assert.DoesNotContain(charts.SelectMany(c => c.Traces).SelectMany(t => t.Y), y => y == FixtureRun.FailedMedian);
        Assert.DoesNotContain(charts.SelectMany(c => c.Traces).SelectMany(t => t.XNumbers), x => x == 3);
        var failures = html[html.IndexOf("Verification failed", StringComparison.Ordinal)..];
        Assert.Contains("<td>777</td>", failures); // the failed point's median, in the failure table
        Assert.Contains("checksum differs", failures);
    }

    [Fact]
    public void Incomplete_experiment_is_shown_with_a_warning_listing_its_missing_points()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalog.Fig1, [FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 1, 100)],
            FixtureRun.Meta(ExperimentCatalog.Fig1, "incomplete", "SHM8 at 2 cores", "MSG8 at 2 cores"));
        string html = Build(fx);
        Assert.Contains("Incomplete run", html);
        Assert.Contains("SHM8 at 2 cores", html);
        Assert.Contains("MSG8 at 2 cores", html);
    }

    [Fact]
    public void Failed_experiment_shows_its_log_in_the_not_run_section()
    {
        using var fx = new FixtureRun().WithFig1();
        string dir = Path.Combine(fx.RunDir, ExperimentCatalog.Compute);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "log.txt"), "Unhandled exception: the log line\n");
        string html = Build(fx);
        var notRun = html[html.IndexOf("id=\"not-run\"", StringComparison.Ordinal)..];
        Assert.Contains("ran but wrote no results", notRun);
        Assert.Contains("Unhandled exception: the log line", notRun);
    }

    [Fact]
    public void Run_level_meta_gives_the_reason_an_experiment_did_not_run()
    {
        using var fx = new FixtureRun().WithFig1();
        File.WriteAllText(Path.Combine(fx.RunDir, "meta.json"), """
            {"kind":"run","host":"fixturehost","profile":"quick","cores":"0-1","command":"./run-all.sh --quick","commit":"fix1234",
             "started":"2026-01-01T10:00:00Z","finished":"2026-01-01T10:03:00Z",
             "experiments":[{"name":"fig3","folders":["fig3-tlb"],"status":"not-present","exitCode":null,"seconds":0,"log":"","reason":"no Experiments/Fig3-TlbShootdown project"}]}
            """);
        string html = Build(fx);
        Assert.Contains("its program does not exist in this checkout yet", html);
        Assert.Contains("no Experiments/Fig3-TlbShootdown project", html);
    }

    /// <summary>
    /// A run-level meta.json that still says "running" is told apart by asking whether its run-all.sh still runs: this
    /// test process stands in for a live one; a pid with another start tick for a killed one (a pid reused later);
    /// another host cannot be asked. An interrupted run says so; a finished one needs no warning.
    /// </summary>
    [Theory]
    [InlineData("running", "live", "This run is still in progress")]
    [InlineData("running", "killed", "was killed before it finished")]
    [InlineData("running", "elsewhere", "the report cannot tell whether")]
    [InlineData("interrupted", "live", "was interrupted by a signal")]
    [InlineData("finished", "live", null)]
    public void The_title_page_says_whether_a_run_that_did_not_finish_is_running_was_killed_or_was_interrupted(string state, string process, string? expected)
    {
        var me = Experiments.Schema.ProcessIdentity.Current();
        string host = process == "elsewhere" ? "some-other-host" : me.Host;
        long start = process == "killed" ? me.StartTicks + 1 : me.StartTicks;
        using var fx = new FixtureRun().WithFig1();
        File.WriteAllText(Path.Combine(fx.RunDir, "meta.json"), $$"""
            {"kind":"run","state":"{{state}}","host":"{{host}}","bootId":"{{me.BootId}}","pid":{{me.Pid}},"pidStart":{{start}},
             "profile":"quick","cores":"0-1","command":"./run-all.sh --quick","commit":"fix1234","started":"2026-01-01T10:00:00Z","finished":"",
             "experiments":[]}
            """);
        string title = Build(fx);
        title = title[..title.IndexOf("The figures at a glance", StringComparison.Ordinal)];
        string[] all = ["This run is still in progress", "was killed before it finished", "the report cannot tell whether", "was interrupted by a signal"];
        foreach (var phrase in all)
            if (phrase == expected) Assert.Contains(phrase, title);
            else Assert.DoesNotContain(phrase, title);
    }

    /// <summary>
    /// A C#/C ratio of one block (a quick run) is the C# median over the C median, its interval from the two medians'
    /// 95% CIs: wider than a 95% CI of the ratio. The tables headed "Median [95% CI]" and "±%" and the caption of the error
    /// bars mark it and say what it is; a ratio of twelve blocks has a 95% CI of its own and no mark.
    /// </summary>
    [Fact]
    public void A_ratio_whose_interval_comes_from_two_medians_CIs_is_not_called_a_95_percent_CI()
    {
        using var fx = new FixtureRun();
        string Note(string how) => $"C# SHM1 median 1.7 cycles, the C twin's SHM1 (C) median 1.4 cycles, same cores; {how}; target at most 1.10";
        fx.Write(ExperimentCatalog.Fig1,
        [
            FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 1, 300),
            FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 1, 1.2, "cycles_ratio", "x", "lines=1;impl=csharp/c", "pass",
                Note("C run just before C#; the ratio of the two medians, " + RatioInterval.FromTwoCisNote)),
            FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 2, 1.05, "cycles_ratio", "x", "lines=1;impl=csharp/c", "pass",
                Note("C and C# interleaved in 12 blocks of repetitions (each block: C, then C#); the median over the blocks of the block's C# median / C median (blocks 0.9 to 1.2), with its 95% CI")),
        ]);
        string html = System.Net.WebUtility.HtmlDecode(Build(fx));

        Assert.Contains("1.2 ±5.0%†", html);          // the plotted points' table
        Assert.Contains("1.2 [1.14, 1.26]†", html);   // every row, under "Median [95% CI]"
        Assert.Contains("1.05 ±5.0%<", html);
        Assert.Contains("1.05 [0.998, 1.103]<", html);
        Assert.Contains("it is wider than a 95% CI of the ratio", html);
        Assert.Contains("(1 of them, marked † in the tables, a ratio of two medians with the range the two medians' 95% CIs allow, wider than a 95% CI)", html);
    }

    /// <summary>
    /// run-all.sh signalled while it made the report, after every experiment had ended: its meta.json says
    /// "interrupted" with every experiment's own status. The first page said the run was interrupted before every
    /// experiment ran; it now says no experiment was cut off. With an experiment cut off it says what it said.
    /// </summary>
    [Theory]
    [InlineData("ok", "after its last experiment had ended (while it made the report): no experiment was cut off")]
    [InlineData("interrupted", "interrupted by a signal before every experiment ran")]
    public void An_interrupted_run_says_whether_an_experiment_was_cut_off(string computeStatus, string expected)
    {
        using var fx = new FixtureRun().WithFig1().WithCompute();
        File.WriteAllText(Path.Combine(fx.RunDir, "meta.json"), $$"""
            {"kind":"run","state":"interrupted","host":"fixturehost","profile":"quick","cores":"0-1","command":"./run-all.sh --quick",
             "commit":"fix1234","started":"2026-01-01T10:00:00Z","finished":"",
             "experiments":[{"name":"fig1","folders":["fig1-shared-state","urpc-tables"],"status":"ok","exitCode":0,"seconds":60,"log":"","reason":""},
                            {"name":"fig3","folders":["fig3-tlb"],"status":"not-selected","exitCode":null,"seconds":0,"log":"","reason":""},
                            {"name":"compute","folders":["compute"],"status":"{{computeStatus}}","exitCode":{{(computeStatus == "ok" ? 0 : 143)}},"seconds":60,"log":"","reason":""}]}
            """);
        string title = Build(fx);
        title = title[..title.IndexOf("The figures at a glance", StringComparison.Ordinal)];
        Assert.Contains(expected, title);
    }

    [Fact]
    public void A_point_without_a_CI_does_not_take_the_error_bars_of_the_other_points_of_its_curve()
    {
        using var fx = new FixtureRun();
        var noCi = FixtureRun.Row("fig99-new", "A", 1, 10, "widgets", "count");
        noCi.CiLow = noCi.CiHigh = double.NaN; // e.g. a point whose sample was too small for a 95% CI
        var withCi = FixtureRun.Row("fig99-new", "A", 2, 20, "widgets", "count");
        withCi.CiLow = 16;
        withCi.CiHigh = 27;
        fx.Write("fig99-new", [noCi, withCi]);
        var trace = Assert.Single(ChartPanel.All(Build(fx))).Trace("A");
        trace.AssertErrorBars(up: [null, 7.0], down: [null, 4.0]);
    }

    [Fact]
    public void An_experiment_the_catalog_does_not_know_still_gets_a_chart()
    {
        using var fx = new FixtureRun();
        fx.Write("fig99-new", [FixtureRun.Row("fig99-new", "A", 1, 10, "widgets", "count"), FixtureRun.Row("fig99-new", "A", 2, 20, "widgets", "count")]);
        string html = Build(fx);
        Assert.Contains("Experiment fig99-new", html);
        var chart = Assert.Single(ChartPanel.All(html));
        Assert.Equal([10.0, 20.0], chart.Trace("A").Y);
    }

    [Fact]
    public void Rows_no_figure_selects_are_drawn_in_an_other_rows_figure()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalog.Fig3Tlb,
        [
            FixtureRun.Row(ExperimentCatalog.Fig3Tlb, "Broadcast", 2, 1300, "cycles", param: "protocol=broadcast"),
            FixtureRun.Row(ExperimentCatalog.Fig3Tlb, "Mystery", 1, 5, "widgets", "count"),
            FixtureRun.Row(ExperimentCatalog.Fig3Tlb, "Mystery", 2, 7, "widgets", "count"),
        ]);
        string html = Build(fx);
        Assert.Contains("Other rows of fig3-tlb", html);
        Assert.Equal([5.0, 7.0], ChartPanel.Titled(html, "widgets").Trace("Mystery").Y);
    }

    [Fact]
    public void Each_chapter_links_its_csv_and_the_full_rows_are_in_the_html_only()
    {
        using var fx = new FixtureRun().WithFig1();
        string html = Build(fx);
        Assert.Contains("<a href=\"fig1-shared-state/results.csv\">", html);
        Assert.Contains("<details class=\"rows\">", html);
        Assert.Contains("@media print { details", html); // hidden in the PDF
    }

    [Fact]
    public void Text_from_results_is_escaped()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalog.UrpcTables, [FixtureRun.Row(ExperimentCatalog.UrpcTables, "<b>LRPC</b>", 1, 900, "latency")]);
        string html = Build(fx);
        Assert.Contains("&lt;b&gt;LRPC&lt;/b&gt;", html);
        Assert.DoesNotContain("<b>LRPC</b>", html);
    }

    [Fact]
    public void Series_with_several_params_at_one_core_count_become_separate_curves_named_by_the_differing_key()
    {
        var rows = new[]
        {
            FixtureRun.Row("x", "SHM1", 1, 1, param: "lines=1;cores=0"), FixtureRun.Row("x", "SHM1", 2, 2, param: "lines=1;cores=0,1"),
            FixtureRun.Row("x", "SHM1", 1, 3, param: "lines=8;cores=0"), FixtureRun.Row("x", "SHM1", 2, 4, param: "lines=8;cores=0,1"),
        };
        var curves = SeriesPoints.From(rows);
        Assert.Equal(["SHM1 [lines=1]", "SHM1 [lines=8]"], curves.Select(c => c.Name));
        // A key that changes only with the core count does not split a curve.
        Assert.Single(SeriesPoints.From(rows.Where(r => r.Param.StartsWith("lines=1", StringComparison.Ordinal))));
    }

    [Fact]
    public void The_catalog_covers_the_known_experiment_set_in_paper_order()
    {
        Assert.Equal([ExperimentCatalog.Fig1, ExperimentCatalog.UrpcTables, ExperimentCatalog.Fig3Tlb, ExperimentCatalog.Compute, ExperimentCatalog.IoWebserver],
            ExperimentCatalog.KnownNames);
    }

    [Fact]
    public void Tlb_rows_go_to_paper_figures_6_and_7_and_agreement_rows_to_their_own_figure()
    {
        string F = ExperimentCatalog.Fig3Tlb;
        var rows = new[]
        {
            FixtureRun.Row(F, "Broadcast", 2, 1300, "cycles"),
            FixtureRun.Row(F, "Multikernel unmap", 2, 1400, "unmap_cycles"),
            FixtureRun.Row(F, "Linux mprotect", 2, 7000, "unmap_cycles"),
            FixtureRun.Row(F, "1PC", 2, 1200, "cycles", param: "protocol=broadcast"),
        };
        var figures = ChapterContent.Of(ExperimentCatalog.For(F), rows);
        Assert.Equal(["fig6", "fig7", "agreement"], figures.Select(f => f.Spec.Id));
        Assert.Equal(["Paper Fig 6", "Paper Fig 7"], figures.Take(2).Select(f => $"Paper {f.Spec.Title.Paper}"));
        Assert.Equal("Monitor agreement and capabilities (beyond the paper)", figures[2].Spec.Title.Heading);
        Assert.Equal(rows.Length, figures.Sum(f => f.Rows.Count())); // every row in exactly one panel
    }

    [Fact]
    public void The_pdf_checker_knows_the_reports_series_colours_and_plot_background()
    {
        Assert.Equal(SeriesStyles.Palette, PdfCheck.PageStats.SeriesColours);
        Assert.Equal(PanelChart.PlotBackground, PdfCheck.PanelFinder.PlotBackground);
    }

    [Fact]
    public void A_figure_caption_promises_error_bars_only_where_its_points_have_a_ci()
    {
        // One repetition per point (the compute --quick profile): no 95% CI anywhere, so no error bar is drawn, and
        // the caption must not say there are.
        static ResultRow Point(string rt, int cores, bool ci)
        {
            var r = FixtureRun.Row(ExperimentCatalog.Compute, $"CG/{rt}", cores, 1.0 / cores, "seconds", "s", "bench=cg;class=S", "pass");
            if (!ci) (r.CiLow, r.CiHigh, r.Samples) = (double.NaN, double.NaN, 1);
            return r;
        }
        string Caption(bool ci)
        {
            using var fx = new FixtureRun();
            fx.Write(ExperimentCatalog.Compute, new[] { "mk", "host" }.SelectMany(rt => new[] { 1, 2 }.Select(c => Point(rt, c, ci))));
            string html = Build(fx);
            int figure = html.IndexOf("Fig 4 (paper Fig 9): NAS CG", StringComparison.Ordinal);
            Assert.True(figure >= 0, "the CG figure is missing");
            int lines = html.IndexOf("Lines: our medians", figure, StringComparison.Ordinal);
            Assert.True(lines >= 0, "the CG figure's caption is missing");
            return html[lines..html.IndexOf("</p>", lines, StringComparison.Ordinal)];
        }
        string without = Caption(ci: false);
        Assert.DoesNotContain("error bars", without);
        Assert.Contains("no point has a 95% confidence interval", without);
        Assert.Contains("Lines: our medians, with their 95% confidence intervals as error bars", Caption(ci: true));
    }

    [Fact]
    public void A_barnes_figure_without_the_standard_input_does_not_claim_the_originals_values()
    {
        // The original's values exist for SPLASH-2's standard input only (BarnesVerifier.HasReference): the quick and
        // full profiles' BARNES runs are checked for conservation and against a one-worker run, not against the original.
        string Caption(string input)
        {
            using var fx = new FixtureRun();
            fx.Write(ExperimentCatalog.Compute, new[] { "mk", "host" }.SelectMany(rt => new[] { 1, 2 }.Select(c =>
                FixtureRun.Row(ExperimentCatalog.Compute, $"BARNES/{rt}", c, 1.0 / c, "seconds", "s", $"bench=barnes;input={input};bodies=2048;steps=4", "pass"))));
            string html = Build(fx);
            int measured = html.IndexOf("Time and speedup of SPLASH-2 Barnes-Hut", StringComparison.Ordinal);
            Assert.True(measured >= 0, "the BARNES figure's caption is missing");
            return html[measured..html.IndexOf("</p>", measured, StringComparison.Ordinal)];
        }
        string quick = Caption("quick");
        Assert.DoesNotContain("checked against reference values of the original", quick);
        Assert.Contains("conservation", quick);
        Assert.Contains("a one-worker run of the same code", quick);
        Assert.Contains("checked against reference values of the original SPLASH-2 program", Caption("standard"));
    }
    [Fact]
    public void A_compute_figure_with_paired_rows_draws_them_in_a_panel_of_their_own_and_its_caption_says_what_they_are()
    {
        using var fx = new FixtureRun();
        var rows = new[] { "mk", "host" }.SelectMany(rt => new[] { 1, 2 }.Select(c =>
            FixtureRun.Row(ExperimentCatalog.Compute, $"CG/{rt}", c, 1.0 / c, "seconds", "s", "bench=cg;class=S", "pass"))).ToList();
        rows.AddRange(new[] { 1, 2 }.Select(c => FixtureRun.Row(ExperimentCatalog.Compute, "CG/mk", c, 1.01, ComputeBenchmarks.TimeRatio, "x", "bench=cg;class=S;over=host", "pass")));
        fx.Write(ExperimentCatalog.Compute, rows);
        string html = Build(fx);
        Assert.Contains("mk / host runtime, paired (dotted: 1.0, 1.05)", html);
        Assert.Contains("Time, speedup and mk&#39;s paired ratio over each host runtime of NAS CG", html.Replace("'", "&#39;"));
        Assert.Contains("1.01 paired per repetition", html);

        using var old = new FixtureRun();
        old.Write(ExperimentCatalog.Compute, rows.Where(r => r.Metric == "seconds"));
        string without = Build(old);
        Assert.DoesNotContain("paired per repetition", without);
        Assert.Contains("Time and speedup of NAS CG", without);
    }
}

using System.Text.RegularExpressions;
using Report.Catalog;
using Report.Charts;
using Report.Input;
using Report.Paper;

namespace Report.Tests;

public class ReportDocumentTests
{
    static string Build(FixtureRun fx) => ReportDocument.Build(RunFolder.Load(fx.RunDir), PaperValues.BuiltIn());

    [Fact]
    public void Names_every_figure_section_and_lists_missing_experiments_as_not_run()
    {
        using var fx = new FixtureRun();
        fx.WithFig1().WithCompute().WithUrpcTables();
        string html = Build(fx);
        Assert.Contains("Fig 1 (paper Fig 3)", html);
        Assert.Contains("Paper Tables 1-3", html);
        Assert.Contains("Figs 4-8 (paper Fig 9)", html);
        Assert.Contains("id=\"not-run\"", html);
        var notRun = html[html.IndexOf("id=\"not-run\"", StringComparison.Ordinal)..];
        Assert.Contains(ExperimentCatalogNames.Fig3Tlb, notRun);
        Assert.Contains(ExperimentCatalogNames.IoWebserver, notRun);
        Assert.DoesNotContain("id=\"fig3-tlb\"", html); // a missing experiment gets no figure section
    }

    [Fact]
    public void Title_page_describes_the_machine_from_meta_json()
    {
        using var fx = new FixtureRun();
        fx.WithFig1();
        string html = Build(fx);
        foreach (var fact in new[] { "Fixture CPU model 9000", "fixturehost", "6.1.0-fixture", "fix1234", "2.5 GHz", "L3 groups", "NUMA nodes", "Sockets" })
            Assert.Contains(fact, html);
    }

    [Fact]
    public void Plotly_js_is_inlined_exactly_once_and_nothing_is_loaded_from_the_network()
    {
        using var fx = new FixtureRun();
        fx.WithFig1().WithCompute();
        string html = Build(fx);
        Assert.Single(Regex.Matches(html, Regex.Escape(PlotlyScript.Source[..200])));
        Assert.True(PlotlyScript.Source.Length > 1_000_000, "plotly.js should be the full bundle");
        string ours = html.Replace(PlotlyScript.Source, ""); // plotly.js itself names its CDN in config defaults it never uses here
        Assert.DoesNotMatch(@"<script[^>]+src=", ours);
        Assert.DoesNotMatch(@"https?://", ours);
        Assert.True(ChartTrace.Charts(html).Count >= 3); // fig 1 + CG + IS
    }

    [Fact]
    public void Fig1_chart_uses_the_papers_axes_and_overlays_the_papers_values()
    {
        using var fx = new FixtureRun();
        fx.WithFig1();
        string html = Build(fx);
        var charts = ChartTrace.Charts(html);
        Assert.Equal(2, charts.Count); // on the paper's axes, then fitted to our (much smaller) data
        var chart = charts[0];
        Assert.Contains("Latency (cycles x 1000)", html);
        var shm8 = chart.Single(t => t.Name == "SHM8");
        Assert.Equal([1.0, 2.0], shm8.X);
        Assert.Equal([(300 + 250 * 3) / 1000.0, (300 + 250 * 3 * 2) / 1000.0], shm8.Y); // cycles shown in thousands
        var paper = chart.Single(t => t.Name == "paper: SHM8");
        Assert.Equal([16.0], paper.X);
        Assert.Equal([12.0], paper.Y); // 12,000 cycles in paper-values.csv
        Assert.Contains(chart, t => t.Name == "paper: SHM (any)");
        // The zoomed chart keeps our curves and the paper's 1-core value, drops the 16-core one outside its range.
        Assert.Contains("axes fitted to our data", html);
        Assert.Equal(shm8.Y, charts[1].Single(t => t.Name == "SHM8").Y);
        Assert.Contains(charts[1], t => t.Name == "paper: SHM (any)");
        Assert.DoesNotContain(charts[1], t => t.Name == "paper: SHM8");
    }

    [Fact]
    public void No_zoomed_chart_when_our_data_fills_the_papers_axes()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalogNames.Fig1, Enumerable.Range(1, 16).Select(c => FixtureRun.Row(ExperimentCatalogNames.Fig1, "SHM8", c, 800.0 * c)));
        Assert.Single(ChartTrace.Charts(Build(fx)));
    }

    [Fact]
    public void Paper_values_in_other_units_are_not_overlaid()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalogNames.Fig1, [FixtureRun.Row(ExperimentCatalogNames.Fig1, "SHM1", 1, 55, unit: "ns"), FixtureRun.Row(ExperimentCatalogNames.Fig1, "SHM1", 2, 80, unit: "ns")]);
        var chart = Assert.Single(ChartTrace.Charts(Build(fx)));
        Assert.DoesNotContain(chart, t => t.Name.StartsWith("paper:"));
    }

    [Fact]
    public void Compute_gets_one_chart_per_benchmark_and_failed_rows_are_listed_never_plotted()
    {
        using var fx = new FixtureRun();
        fx.WithCompute();
        string html = Build(fx);
        var charts = ChartTrace.Charts(html);
        Assert.Equal(2, charts.Count);
        Assert.Contains("Fig. 9: CG class S", html);
        Assert.Contains("Fig. 9: IS class S", html);
        Assert.All(charts, c => Assert.Equal(2, c.Count)); // mk and host
        Assert.DoesNotContain(charts.SelectMany(c => c).SelectMany(t => t.Y), y => y == FixtureRun.FailedMedian);
        Assert.DoesNotContain(charts.SelectMany(c => c).SelectMany(t => t.X), x => x == 3);
        var failures = html[html.IndexOf("Verification failed", StringComparison.Ordinal)..];
        Assert.Contains("<td>777</td>", failures); // the failed point's median, in the failure table
        Assert.Contains("checksum differs", failures);
    }

    [Fact]
    public void Incomplete_experiment_is_shown_with_a_warning_listing_its_missing_points()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalogNames.Fig1, [FixtureRun.Row(ExperimentCatalogNames.Fig1, "SHM1", 1, 100)],
            FixtureRun.Meta(ExperimentCatalogNames.Fig1, "incomplete", "SHM8 at 2 cores", "MSG8 at 2 cores"));
        string html = Build(fx);
        Assert.Contains("Incomplete run", html);
        Assert.Contains("SHM8 at 2 cores", html);
        Assert.Contains("MSG8 at 2 cores", html);
    }

    [Fact]
    public void Failed_experiment_shows_its_log_in_the_not_run_section()
    {
        using var fx = new FixtureRun();
        fx.WithFig1();
        string dir = Path.Combine(fx.RunDir, ExperimentCatalogNames.Compute);
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
        using var fx = new FixtureRun();
        fx.WithFig1();
        File.WriteAllText(Path.Combine(fx.RunDir, "meta.json"), """
            {"kind":"run","host":"fixturehost","profile":"quick","cores":"0-1","command":"./run-all.sh --quick","commit":"fix1234",
             "started":"2026-01-01T10:00:00Z","finished":"2026-01-01T10:03:00Z",
             "experiments":[{"name":"fig3","folders":["fig3-tlb"],"status":"not-present","exitCode":null,"seconds":0,"log":"","reason":"no Experiments/Fig3-TlbShootdown project"}]}
            """);
        string html = Build(fx);
        Assert.Contains("its program does not exist in this checkout yet", html);
        Assert.Contains("no Experiments/Fig3-TlbShootdown project", html);
    }

    [Fact]
    public void An_experiment_the_catalog_does_not_know_still_gets_a_chart()
    {
        using var fx = new FixtureRun();
        fx.Write("fig99-new", [FixtureRun.Row("fig99-new", "A", 1, 10, "widgets", "count"), FixtureRun.Row("fig99-new", "A", 2, 20, "widgets", "count")]);
        string html = Build(fx);
        Assert.Contains("Experiment fig99-new", html);
        var chart = Assert.Single(ChartTrace.Charts(html));
        Assert.Equal([10.0, 20.0], chart.Single(t => t.Name == "A").Y);
    }

    [Fact]
    public void Text_from_results_is_escaped()
    {
        using var fx = new FixtureRun();
        fx.Write(ExperimentCatalogNames.UrpcTables, [FixtureRun.Row(ExperimentCatalogNames.UrpcTables, "<b>LRPC</b>", 1, 900, "latency")]);
        string html = Build(fx);
        Assert.Contains("&lt;b&gt;LRPC&lt;/b&gt;", html);
        Assert.DoesNotContain("<b>LRPC</b>", html);
    }

    [Fact]
    public void Series_with_several_params_become_separate_curves()
    {
        var rows = new[]
        {
            FixtureRun.Row("x", "SHM1", 1, 1, param: "lines=1"), FixtureRun.Row("x", "SHM1", 2, 2, param: "lines=1"),
            FixtureRun.Row("x", "SHM1", 1, 3, param: "lines=8"), FixtureRun.Row("x", "SHM1", 2, 4, param: "lines=8"),
        };
        var curves = SeriesPoints.From(rows);
        Assert.Equal(["SHM1 [lines=1]", "SHM1 [lines=8]"], curves.Select(c => c.Name));
    }

    [Fact]
    public void The_catalog_covers_the_known_experiment_set_in_paper_order()
    {
        Assert.Equal([ExperimentCatalogNames.Fig1, ExperimentCatalogNames.UrpcTables, ExperimentCatalogNames.Fig3Tlb, ExperimentCatalogNames.Compute, ExperimentCatalogNames.IoWebserver],
            ExperimentCatalog.KnownNames);
    }

    [Fact]
    public void Tlb_metrics_map_onto_paper_figures_6_and_7()
    {
        var spec = ExperimentCatalog.Find(ExperimentCatalogNames.Fig3Tlb)!;
        Assert.Equal("fig6-tlb-protocols", spec.ChartFor("shootdown_latency", "cycles").PaperFigure);
        Assert.Equal("fig7-unmap", spec.ChartFor("unmap_latency", "cycles").PaperFigure);
        Assert.Null(spec.ChartFor("unmap_latency", "ns").PaperFigure);
    }

    [Fact]
    public void The_pdf_checker_counts_the_reports_own_series_colours() =>
        Assert.Equal(ScalingChart.Palette, PdfCheck.PageStats.SeriesColours);
}

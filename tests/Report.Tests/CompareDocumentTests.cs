using Report.Catalog;
using Report.Input;
using Experiments.Schema;
using Report.Paper;
using System.Net;
using System.Text.RegularExpressions;

namespace Report.Tests;

public class CompareDocumentTests
{
    [Fact]
    public void Two_runs_are_put_side_by_side_on_shared_axes()
    {
        using var small = new FixtureRun("small-2core");
        using var big = new FixtureRun("big-16core");
        small.WithFig1().WithCompute();
        big.Write(ExperimentCatalog.Fig1, Enumerable.Range(1, 16).Select(c => FixtureRun.Row(ExperimentCatalog.Fig1, "SHM8", c, 1000.0 * c)));
        string html = CompareDocument.Build(RunFolder.Load(small.RunDir), RunFolder.Load(big.RunDir), PaperValues.BuiltIn(), small.Root);

        Assert.Contains("small-2core", html);
        Assert.Contains("big-16core", html);
        Assert.Contains("A4 landscape", html);
        var charts = ChartPanel.All(html);
        // Fig 1's paper panel for both runs, A's variants panel ("not measured" for B), and compute (only in A): CG and IS.
        Assert.Equal(5, charts.Count);
        Assert.Contains("Not measured in this run.", html);
        var paperPanels = charts.Where(c => c.Title.StartsWith("As in the paper", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, paperPanels.Count);
        Assert.Equal(16, paperPanels[1].Trace("SHM8").X.Length);
        // Both Fig 1 panels share the axis ranges of the larger run, so the two sides can be compared by eye.
        Assert.Equal(paperPanels[0].Range("xaxis"), paperPanels[1].Range("xaxis"));
        Assert.Equal(paperPanels[0].Range("yaxis"), paperPanels[1].Range("yaxis"));
        Assert.True(paperPanels[0].Range("yaxis")[1] >= 16.0, "y range covers the 16-core run's 16,000 cycles (shown as 16)");
        Assert.Contains("The paper&#39;s claims in the two runs", html);
        Assert.Contains("id=\"not-run\"", html);
    }

    [Fact]
    public void Compute_points_of_different_problem_classes_are_never_paired_on_shared_axes()
    {
        // A quick run (class S, 2048 Barnes bodies) against a default one (class A, 16384 bodies): the runtimes of two
        // different inputs, so each input is its own figure with the other run's side empty.
        using var quick = new FixtureRun("quick-run");
        using var standard = new FixtureRun("default-run");
        static IEnumerable<ResultRow> Cg(string cls, double seconds) => new[] { 1, 2 }.SelectMany(c => new[] { "mk", "host" }.Select(rt =>
            FixtureRun.Row(ExperimentCatalog.Compute, $"CG/{rt}", c, seconds / c, "seconds", "s", $"bench=cg;class={cls}", "pass")));
        static IEnumerable<ResultRow> Barnes(string input, int bodies, double seconds) => new[] { 1, 2 }.SelectMany(c => new[] { "mk", "host" }.Select(rt =>
            FixtureRun.Row(ExperimentCatalog.Compute, $"BARNES/{rt}", c, seconds / c, "seconds", "s", $"bench=barnes;input={input};bodies={bodies};steps=4", "pass")));
        quick.Write(ExperimentCatalog.Compute, Cg("S", 0.05).Concat(Barnes("quick", 2048, 0.02)));
        standard.Write(ExperimentCatalog.Compute, Cg("A", 0.7).Concat(Barnes("standard", 16384, 0.3)));

        string html = CompareDocument.Build(RunFolder.Load(quick.RunDir), RunFolder.Load(standard.RunDir), PaperValues.BuiltIn(), quick.Root);

        var headings = Regex.Matches(html, "<h3>([^<]*)</h3>").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.Contains("Fig 4 (paper Fig 9): NAS CG (conjugate gradient), class S", headings);
        Assert.Contains("Fig 4 (paper Fig 9): NAS CG (conjugate gradient), class A", headings);
        Assert.Contains("Fig 7 (paper Fig 9): SPLASH-2 Barnes-Hut, input quick", headings);
        Assert.Contains("Fig 7 (paper Fig 9): SPLASH-2 Barnes-Hut, input standard", headings);
        // Each input's time panel stands beside an empty side: a class S time beside a class A one would share one y axis.
        Assert.Equal(4, ChartPanel.All(html).Count(c => c.Title == "Time"));
        Assert.Equal(4, Regex.Matches(html, @"Not measured in this run\.").Count);
    }
    [Fact]
    public void A_compute_figure_with_paired_rows_on_one_side_only_has_the_caption_that_describes_them()
    {
        // An older sweep (no paired rows) as A, a newer one as B: B's paired panel is drawn, A's side says not measured,
        // and the caption (one for both sides) says what that panel is, whichever side is A.
        static IEnumerable<ResultRow> Times() => new[] { 1, 2 }.SelectMany(c => new[] { "mk", "host" }.Select(rt =>
            FixtureRun.Row(ExperimentCatalog.Compute, $"CG/{rt}", c, 1.0 / c, "seconds", "s", "bench=cg;class=S", "pass")));
        using var old = new FixtureRun("old-sweep");
        using var paired = new FixtureRun("paired-sweep");
        old.Write(ExperimentCatalog.Compute, Times());
        paired.Write(ExperimentCatalog.Compute, Times().Concat(new[] { 1, 2 }.Select(c =>
            FixtureRun.Row(ExperimentCatalog.Compute, "CG/mk", c, 1.01, ComputeBenchmarks.TimeRatio, "x", "bench=cg;class=S;over=host", "pass"))));
        foreach (var (a, b) in new[] { (old, paired), (paired, old) })
        {
            string html = WebUtility.HtmlDecode(CompareDocument.Build(RunFolder.Load(a.RunDir), RunFolder.Load(b.RunDir), PaperValues.BuiltIn(), a.Root));
            Assert.Contains("Time, speedup and mk's paired ratio over each host runtime of NAS CG", html);
            Assert.Single(ChartPanel.All(html), c => c.Title.StartsWith("mk / host runtime, paired", StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// The first page of a comparison warns of what the single-run report warns of, for each side: a run-all.sh that
    /// was interrupted, and experiments of one run folder written on different machines (here fig1 on one host, compute
    /// on another, copied into one folder).
    /// </summary>
    [Fact]
    public void The_first_page_warns_of_an_interrupted_run_and_of_a_run_whose_experiments_come_from_different_machines()
    {
        using var cut = new FixtureRun("cut-short").WithFig1();
        File.WriteAllText(Path.Combine(cut.RunDir, "meta.json"), """
            {"kind":"run","state":"interrupted","host":"fixturehost","profile":"quick","cores":"0-1","command":"./run-all.sh --quick",
             "commit":"fix1234","started":"2026-01-01T10:00:00Z","finished":"","experiments":[]}
            """);
        using var mixed = new FixtureRun("mixed").WithFig1();
        var other = FixtureRun.Meta(ExperimentCatalog.Compute);
        other.Host = "otherhost";
        other.CpuModel = "Other CPU model 1";
        mixed.Write(ExperimentCatalog.Compute, [FixtureRun.Row(ExperimentCatalog.Compute, "CG/mk", 1, 4.0, "seconds", "s", "class=S;bench=cg", "pass")], other);

        string html = CompareDocument.Build(RunFolder.Load(cut.RunDir), RunFolder.Load(mixed.RunDir), PaperValues.BuiltIn(), cut.Root);
        string title = WebUtility.HtmlDecode(html[..html.IndexOf("The figures at a glance", StringComparison.Ordinal)]);

        Assert.Contains("Run A (cut-short): run-all.sh was interrupted by a signal", title);
        Assert.Contains("Run B (mixed): Host differs between experiments: otherhost / fixturehost", title);
        Assert.Contains("Run B (mixed): CPU model differs between experiments", title);
        Assert.DoesNotContain("Run A (cut-short): Host differs", title);
    }
}

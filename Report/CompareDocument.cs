using Report.Catalog;
using Report.Charts;
using Report.Html;
using Report.Input;
using Report.Paper;
using Report.Sections;

namespace Report;

/// <summary>
/// Two runs side by side (e.g. a 2-core machine against a 16-core one): the machines in two columns, and for
/// each figure run A's chart beside run B's on the same axis ranges, with their key numbers beneath.
/// </summary>
public static class CompareDocument
{
    public static string Build(RunFolder a, RunFolder b, PaperValues paper)
    {
        var w = new HtmlWriter();
        Title(w, a, b, paper.Source);
        foreach (var name in ReportDocument.Ordered(a.Experiments.Select(e => e.Name).Concat(b.Experiments.Select(e => e.Name))))
            Experiment(w, ExperimentCatalog.For(name), a, b, paper);
        NotRun(w, a, b);
        return PageLayout.Wrap($"Multikernel reproduction: {a.Name} vs {b.Name}", w.ToString(), landscape: true);
    }

    static void Title(HtmlWriter w, RunFolder a, RunFolder b, string paperSource)
    {
        w.Open("section", "title-page", "title");
        w.H1("Multikernel reproduction: two runs compared");
        w.P($"Run A: {a.Name} ({a.Path}). Run B: {b.Name} ({b.Path}). Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        var fa = TitlePage.MachineFacts(TitlePage.Describing(a), a.RunMeta);
        var fb = TitlePage.MachineFacts(TitlePage.Describing(b), b.RunMeta);
        var labels = fa.Select(f => f.Label).Concat(fb.Select(f => f.Label)).Distinct();
        w.H2("Machines");
        w.Table(["", $"A: {a.Name}", $"B: {b.Name}"], labels.Select(l => (IReadOnlyList<string>)
            [l, fa.FirstOrDefault(f => f.Label == l).Value ?? "", fb.FirstOrDefault(f => f.Label == l).Value ?? ""]));
        w.H2("Experiments");
        var names = ReportDocument.Ordered(a.Experiments.Select(e => e.Name).Concat(b.Experiments.Select(e => e.Name)));
        w.Table(["Experiment", "A: status, profile, cores", "B: status, profile, cores"], names.Select(n => (IReadOnlyList<string>)
            [n, Summary(a.Find(n)), Summary(b.Find(n))]));
        w.P($"Paper values: {paperSource}.", "muted");
        w.Close("section");
    }

    static string Summary(ExperimentResult? e) =>
        e is null ? "not run" : $"{e.Meta.Status}, {e.Meta.Profile}, cores {e.Meta.CoresUsed}, {e.Rows.Count} rows";

    static void Experiment(HtmlWriter w, FigureSpec spec, RunFolder a, RunFolder b, PaperValues paper)
    {
        var ea = a.Find(spec.Experiment);
        var eb = b.Find(spec.Experiment);
        w.Open("section", "figure", spec.Experiment);
        w.H2(spec.Heading);
        w.P($"Experiment folder: {spec.Experiment}", "muted folder");
        Pair(w, ea, eb, (x, e) => { if (e is not null) ExperimentNotices.Incomplete(x, e); });
        if (spec.Presentation == Presentation.Charts)
        {
            var ga = ea is null ? [] : ChartGroup.Of(spec, ea.Rows, paper);
            var gb = eb is null ? [] : ChartGroup.Of(spec, eb.Rows, paper);
            foreach (var id in ga.Select(g => g.Id).Concat(gb.Select(g => g.Id)).Distinct())
            {
                var left = ga.FirstOrDefault(g => g.Id == id);
                var right = gb.FirstOrDefault(g => g.Id == id);
                AxisRange? range = null;
                foreach (var g in new[] { left, right })
                    if (g is not null)
                    {
                        var r = ScalingChart.Extent(g.Spec, g.Series, g.Overlay);
                        range = range is { } have ? have.Union(r) : r;
                    }
                var colours = new[] { left, right }.Where(g => g is not null).SelectMany(g => g!.Series.Select(s => s.Name)).Distinct().ToList();
                Pair(w, left, right, (x, g) =>
                {
                    if (g is null) { x.P("Not measured in this run."); return; }
                    x.Open("div", "chart").Raw(ScalingChart.ToHtml(ScalingChart.Build(g.Spec, g.Series, g.Overlay, PageLayout.HalfLandscapeWidth, 360, range, colours))).Close("div");
                });
                Pair(w, left, right, (x, g) => { if (g is not null) RowTables.KeyNumbers(x, g); }, "pair tables");
            }
        }
        else
        {
            Pair(w, ea, eb, (x, e) =>
            {
                if (e is null || e.Rows.Count == 0) { x.P("No rows in this run."); return; }
                RowTables.All(x, e.Rows.Where(r => r.Verified != "fail"));
            });
        }
        FigureSection.Caption(w, spec, overlaid: spec.Presentation == Presentation.Charts
            && new[] { ea, eb }.Any(e => e is not null && ChartGroup.Of(spec, e.Rows, paper).Any(g => g.Overlay.Count > 0)));
        Pair(w, ea, eb, (x, e) => { if (e is not null) RowTables.Failures(x, e.Rows.Where(r => r.Verified == "fail").ToList()); });
        RowTables.Paper(w, paper.Values.Where(v => spec.PaperFigures.Contains(v.Figure)).ToList(), paper.Source);
        w.Close("section");
    }

    /// <summary>
    /// Two columns, A then B; <paramref name="body"/> writes one side. Class "pair" keeps both on one page (charts);
    /// "pair tables" may break across pages (long tables).
    /// </summary>
    static void Pair<T>(HtmlWriter w, T left, T right, Action<HtmlWriter, T> body, string cssClass = "pair")
    {
        var l = new HtmlWriter(); body(l, left);
        var r = new HtmlWriter(); body(r, right);
        if (l.ToString().Length == 0 && r.ToString().Length == 0) return;
        w.Open("div", cssClass)
            .Open("div").Element("p", "A", "muted").Raw(l.ToString()).Close("div")
            .Open("div").Element("p", "B", "muted").Raw(r.ToString()).Close("div")
            .Close("div");
    }

    static void NotRun(HtmlWriter w, RunFolder a, RunFolder b)
    {
        w.Open("section", "not-run", "not-run");
        w.H2("Experiments not run or incomplete");
        Pair(w, a, b, (x, run) =>
        {
            var entries = NotRunSection.Entries(run);
            var incomplete = run.Experiments.Where(e => e.IsIncomplete).Select(e => e.Name).ToList();
            if (entries.Count == 0 && incomplete.Count == 0) { x.P($"{run.Name}: every experiment ran and finished."); return; }
            x.P(run.Name);
            x.Table(["Experiment", "Why"], entries.Select(e => (IReadOnlyList<string>)[e.Experiment, e.Reason])
                .Concat(incomplete.Select(n => (IReadOnlyList<string>)[n, "incomplete (see its section)"])));
        });
        w.Close("section");
    }
}

using Report.Catalog;
using Report.Charts;
using Report.History;
using Report.Html;
using Report.Paper;
using Report.Sections;

namespace Report;

/// <summary>
/// Two runs side by side (e.g. a 2-core machine against a 16-core one), A4 landscape: the machines, the claims'
/// verdicts and the figure readings of both on the first page, then for each panel run A's beside run B's on the same
/// axes, with the tables of A and then B beneath (a many-core run's tables need the page's width).
/// </summary>
public static class CompareDocument
{
    public static string Build(RunFolder a, RunFolder b, PaperValues paper, string outputDir, HistoryInput? history = null)
    {
        var w = new HtmlWriter();
        Title(w, a, b, paper.Source);
        foreach (var name in ReportDocument.Ordered(a.Experiments.Select(e => e.Name).Concat(b.Experiments.Select(e => e.Name))))
            Chapter(w, ExperimentCatalog.For(name), a.Find(name), b.Find(name), paper, outputDir);
        if (history is not null) HistorySection.Write(w, history.Entries, history.Source, 2 * PageLayout.HalfLandscapeWidth + PageLayout.PanelGap);
        NotRun(w, a, b);
        return PageLayout.Wrap($"Multikernel reproduction: {a.Name} vs {b.Name}", w.ToString(), landscape: true);
    }

    static void Title(HtmlWriter w, RunFolder a, RunFolder b, string paperSource)
    {
        w.Open("section", "title-page", "title");
        w.H1("Multikernel reproduction: two runs compared");
        w.P($"Run A: {a.Name} ({TitlePage.Shown(a.Path)}). Run B: {b.Name} ({TitlePage.Shown(b.Path)}). Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        // What the single-run title page warns of, for each side: a run that did not finish (interrupted, killed, still
        // running) and experiments of one run whose meta.json name different hosts, CPUs, commits or kernels.
        foreach (var (label, run) in new[] { ("A", a), ("B", b) })
        {
            if (run.RunMeta?.StateWarning() is { } state) w.Open("div", "warning").Text($"Run {label} ({run.Name}): {state}").Close("div");
            foreach (var d in TitlePage.Disagreements(run)) w.Open("div", "warning").Text($"Run {label} ({run.Name}): {d}").Close("div");
        }
        var fa = TitlePage.MachineFacts(TitlePage.Describing(a), a.RunMeta);
        var fb = TitlePage.MachineFacts(TitlePage.Describing(b), b.RunMeta);
        var labels = fa.Select(f => f.Label).Concat(fb.Select(f => f.Label)).Distinct();
        w.Table(["", $"A: {a.Name}", $"B: {b.Name}"], labels.Select(l => (IReadOnlyList<string>)
            [l, fa.FirstOrDefault(f => f.Label == l).Value ?? "", fb.FirstOrDefault(f => f.Label == l).Value ?? ""]), "compact machine");
        ClaimsTable.WritePair(w, a, b);
        w.H2("The figures at a glance");
        var ra = TitlePage.Readings(a);
        var rb = TitlePage.Readings(b);
        var headings = ra.Select(r => r.Heading).Concat(rb.Select(r => r.Heading)).Distinct();
        w.Table(["Figure", "A", "B"], headings.Select(h => (IReadOnlyList<string>)
            [h, ra.FirstOrDefault(r => r.Heading == h).Reading ?? "not in this run", rb.FirstOrDefault(r => r.Heading == h).Reading ?? "not in this run"]), "claims");
        w.H3("Experiments");
        var names = ReportDocument.Ordered(a.Experiments.Select(e => e.Name).Concat(b.Experiments.Select(e => e.Name)));
        w.Table(["Experiment", "A: status, profile, cores", "B: status, profile, cores"], names.Select(n => (IReadOnlyList<string>)
            [n, Summary(a.Find(n), a.RunMeta), Summary(b.Find(n), b.RunMeta)]), "compact");
        w.P($"Paper values: {paperSource}.", "muted");
        w.Close("section");
    }

    static string Summary(ExperimentResult? e, RunLevelMeta? run) =>
        e is null ? "not run" : $"{TitlePage.Status(e, run)}, {e.Meta.Profile}, cores {e.Meta.CoresUsed}, {TitlePage.RowCounts(e)} rows";

    static void Chapter(HtmlWriter w, ChapterSpec chapter, ExperimentResult? ea, ExperimentResult? eb, PaperValues paper, string outputDir)
    {
        var fa = ea is null ? [] : ChapterContent.Of(chapter, ea.Rows);
        var fb = eb is null ? [] : ChapterContent.Of(chapter, eb.Rows);
        var ids = fa.Select(f => f.Spec.Id).Concat(fb.Select(f => f.Spec.Id)).Distinct().ToList();
        // A figure's spec (its caption) is made from one run's rows and describes the panels those rows draw; where
        // both runs have the figure, the spec of the run whose rows draw more panels (ties: A's), so that a panel only
        // one run has (a newer compute sweep's paired ratios) is one the caption describes.
        static int Drawn(AssignedFigure? f) => f?.Panels.Count(p => p.Spec.Kind != PanelKind.Listed && p.Rows.Any(RowStatus.IsMeasured)) ?? -1;
        var specs = ids.Select(id =>
        {
            var a = fa.FirstOrDefault(f => f.Spec.Id == id);
            var b = fb.FirstOrDefault(f => f.Spec.Id == id);
            return (Drawn(b) > Drawn(a) ? b! : a!).Spec;
        }).ToList();
        string heading = chapter.HeadingFor(specs);
        w.Open("section", "chapter", chapter.Folder);
        w.H2(heading);
        Pair(w, ea, eb, (x, e) => { if (e is null) x.P("Not in this run."); else { ChapterSection.DataLine(x, e, outputDir); ExperimentNotices.Incomplete(x, e); } }, "pair tables");
        string machine = $"A: {(ea is null ? "-" : ChapterSection.Machine(ea.Meta))}; B: {(eb is null ? "-" : ChapterSection.Machine(eb.Meta))}";
        foreach (var spec in specs)
        {
            var left = fa.FirstOrDefault(f => f.Spec.Id == spec.Id);
            var right = fb.FirstOrDefault(f => f.Spec.Id == spec.Id);
            w.Open("div", "figure", spec.Id);
            if (specs.Count > 1 || spec.Title.Heading != heading) w.H3(spec.Title.Heading);
            var pa = left is null ? [] : left.Panels.SelectMany(p => PanelData.Of(p.Spec, p.Rows, paper)).ToList();
            var pb = right is null ? [] : right.Panels.SelectMany(p => PanelData.Of(p.Spec, p.Rows, paper)).ToList();
            var plans = new List<(PanelData, AxisPlan)>();
            foreach (var id in pa.Select(p => p.Id).Concat(pb.Select(p => p.Id)).Distinct())
            {
                var l = pa.FirstOrDefault(p => p.Id == id);
                var r = pb.FirstOrDefault(p => p.Id == id);
                var both = new[] { l, r }.Where(p => p is not null).Select(p => p!).ToList();
                var plan = AxisPlan.For(both);
                plans.Add((both[0], plan));
                Pair(w, l, r, (x, d) =>
                {
                    if (d is null) x.P("Not measured in this run.");
                    else ChapterSection.Panel(x, d, plan, PageLayout.HalfLandscapeWidth);
                });
            }
            var tables = spec.Panels.Where(p => p.Kind == PanelKind.Table).ToList();
            foreach (var t in tables)
                Stack(w, left, right, (x, f) => RowTables.Compact(x, f!.Panels.First(p => p.Spec.Title == t.Title).Rows),
                    f => f is not null && f.Panels.Any(p => p.Spec.Title == t.Title && p.Rows.Any(RowStatus.IsMeasured)));
            ChapterSection.Caption(w, spec, plans, machine);
            // Tables of the two runs one after the other: a many-core run's table needs the full width.
            Stack(w, pa, pb, (x, side) => { x.Open("div", "table-row"); foreach (var d in side) RowTables.Plotted(x, d); x.Close("div"); }, side => side.Count > 0);
            Stack(w, left, right, (x, f) => RowTables.NotMeasured(x, f!.Rows.ToList()), f => f is not null && f.Rows.Any(r => !RowStatus.IsMeasured(r)));
            RowTables.Paper(w, ChapterSection.PaperValuesOf(spec, paper), paper.Source);
            if (left is not null) ChapterSection.RowsDetails(w, left.Rows.ToList(), $"A: all {left.Rows.Count()} rows, with their notes");
            if (right is not null) ChapterSection.RowsDetails(w, right.Rows.ToList(), $"B: all {right.Rows.Count()} rows, with their notes");
            w.Close("div");
        }
        foreach (var (label, e) in new[] { ("A", ea), ("B", eb) })
            if (e is not null)
            {
                ExperimentNotices.Notes(w, e);
                w.P($"{label}: " + ExperimentNotices.ProvenanceText(e), "muted");
            }
        w.Close("section");
    }

    /// <summary>
    /// Two columns, A then B; <paramref name="body"/> writes one side. Class "pair" keeps both on one page (charts);
    /// "pair tables" may break across pages (long tables). Nothing is written when both sides are empty.
    /// </summary>
    static void Pair<T>(HtmlWriter w, T left, T right, Action<HtmlWriter, T> body, string cssClass = "pair")
    {
        var l = new HtmlWriter(); body(l, left);
        var r = new HtmlWriter(); body(r, right);
        if (l.ToString().Length == 0 && r.ToString().Length == 0) return;
        w.Open("div", cssClass)
            .Open("div").Element("p", "A", "muted side").Raw(l.ToString()).Close("div")
            .Open("div").Element("p", "B", "muted side").Raw(r.ToString()).Close("div")
            .Close("div");
    }

    /// <summary>Run A's part, then run B's, each under its letter; a side for which <paramref name="has"/> is false is left out.</summary>
    static void Stack<T>(HtmlWriter w, T left, T right, Action<HtmlWriter, T> body, Func<T, bool> has)
    {
        foreach (var (label, side) in new[] { ("A", left), ("B", right) })
        {
            if (!has(side)) continue;
            w.Element("p", label, "muted side");
            body(w, side);
        }
    }

    static void NotRun(HtmlWriter w, RunFolder a, RunFolder b)
    {
        w.Open("section", "not-run chapter", "not-run");
        w.H2("Experiments not run or incomplete");
        Pair(w, a, b, (x, run) =>
        {
            var entries = NotRunSection.Entries(run);
            var incomplete = run.Experiments.Where(e => e.IsIncomplete).Select(e => e.Name).ToList();
            if (entries.Count == 0 && incomplete.Count == 0) { x.P($"{run.Name}: every experiment ran and finished."); return; }
            x.P(run.Name);
            x.Table(["Experiment", "Why"], entries.Select(e => (IReadOnlyList<string>)[e.Experiment, e.Reason])
                .Concat(incomplete.Select(n => (IReadOnlyList<string>)[n, "incomplete (see its chapter)"])));
        }, "pair tables");
        w.Close("section");
    }
}

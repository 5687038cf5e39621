using Report.Catalog;
using Report.Charts;
using Report.Html;
using Report.Paper;

namespace Report.Sections;

/// <summary>
/// The chapter of one experiment folder of one run: for each figure its panels (the paper's series, then the extra
/// series beside them; the paper's values on the same axes), the caption (what is measured and modelled, on which
/// machines), the plotted points in a compact table, the points without a value (failed, skipped), the paper's values,
/// and, in the HTML only, every row with its note and a link to the CSV.
/// </summary>
public static class ChapterSection
{
    public static void Write(HtmlWriter w, ExperimentResult e, PaperValues paper, string outputDir)
    {
        var chapter = ExperimentCatalog.For(e.Name);
        var figures = ChapterContent.Of(chapter, e.Rows);
        string heading = chapter.HeadingFor(figures.Select(f => f.Spec).ToList());
        w.Open("section", "chapter", e.Name);
        w.H2(heading);
        DataLine(w, e, outputDir);
        if (chapter.Intro.Length > 0) w.P(chapter.Intro, "intro");
        ExperimentNotices.Incomplete(w, e);
        if (e.Rows.Count == 0) w.P("No rows were measured.");
        foreach (var f in figures)
        {
            w.Open("div", "figure", f.Spec.Id);
            if (figures.Count > 1 || f.Spec.Title.Heading != heading) w.H3(f.Spec.Title.Heading);
            var panels = f.Panels.SelectMany(p => PanelData.Of(p.Spec, p.Rows, paper)).ToList();
            var paperValues = PaperValuesOf(f.Spec, paper);
            // A figure of one panel with a short table: the table and the paper's values beside the panel.
            bool side = panels.Count == 1 && RowTables.PlottedColumns(panels[0]) <= 4;
            if (side)
            {
                int half = (PageLayout.PortraitWidth - PageLayout.PanelGap) / 2;
                w.Open("div", "panel-row");
                Panel(w, panels[0], null, half, PanelChart.WidePlotHeight);
                w.Open("div", "side");
                RowTables.Plotted(w, panels[0]);
                RowTables.Paper(w, paperValues, paper.Source);
                w.Close("div").Close("div");
            }
            else Panels(w, panels, PageLayout.PortraitWidth);
            foreach (var t in f.Panels.Where(p => p.Spec.Kind == PanelKind.Table && p.Rows.Any(RowStatus.IsMeasured)))
            {
                if (f.Panels.Count(p => p.Rows.Count > 0) > 1) w.Element("p", t.Spec.Title, "table-title");
                RowTables.Compact(w, t.Rows);
            }
            Caption(w, f.Spec, panels.Select(p => (p, AxisPlan.For([p]))).ToList(), Machine(e.Meta));
            if (!side)
            {
                w.Open("div", "table-row");
                foreach (var d in panels) RowTables.Plotted(w, d);
                w.Close("div");
            }
            RowTables.NotMeasured(w, f.Rows.ToList());
            if (!side) RowTables.Paper(w, paperValues, paper.Source);
            RowsDetails(w, f.Rows.ToList(), $"All {f.Rows.Count()} rows of this figure, with their notes");
            w.Close("div");
        }
        ExperimentNotices.Notes(w, e);
        ExperimentNotices.Provenance(w, e);
        w.Close("section");
    }

    /// <summary>Panels two to a row (one alone spans the row), each row kept on one page.</summary>
    public static void Panels(HtmlWriter w, IReadOnlyList<PanelData> panels, int width)
    {
        if (panels.Count == 0) return;
        int half = (width - PageLayout.PanelGap) / 2;
        for (int i = 0; i < panels.Count; i += 2)
        {
            w.Open("div", "panel-row");
            bool alone = i + 1 == panels.Count;
            if (alone && panels.Count == 1) Panel(w, panels[i], null, width, PanelChart.WidePlotHeight);
            else Panel(w, panels[i], null, half);
            if (!alone) Panel(w, panels[i + 1], null, half);
            w.Close("div");
        }
    }

    /// <summary>One panel as a Plotly chart in a div that tests and PdfCheck can count (data-panel).</summary>
    public static void Panel(HtmlWriter w, PanelData d, AxisPlan? plan, int width, int plotHeight = PanelChart.PlotHeight) =>
        w.Raw($"<div class=\"panel\" data-panel=\"{HtmlWriter.Encode(d.Id)}\">")
            .Raw(PanelChart.ToHtml(PanelChart.Build(d, plan, width, plotHeight)))
            .Raw("</div>\n");

    public static IReadOnlyList<PaperValue> PaperValuesOf(FigureSpec f, PaperValues paper) =>
        paper.Values.Where(v => f.PaperFigures.Contains(v.Figure)).ToList();

    /// <summary>"this run: AMD EPYC, 2 logical CPUs, 1 package, 1 NUMA node".</summary>
    public static string Machine(RunMeta m) =>
        $"{(m.CpuModel.Length > 0 ? m.CpuModel : m.Machine)}, {m.LogicalCpus} logical CPUs, {m.Packages} package(s), {m.NumaNodes} NUMA node(s)";

    /// <summary>What is measured and modelled, how to read the marks, the machines of ours and the paper's, and any logarithmic axis.</summary>
    public static void Caption(HtmlWriter w, FigureSpec f, IReadOnlyList<(PanelData Panel, AxisPlan Plan)> panels, string machine)
    {
        w.Labelled("Measured:", f.Measured, "caption");
        if (f.Modelled.Length > 0) w.Labelled("Modelled:", f.Modelled, "caption");
        if (panels.Count == 0) return;
        var overlay = panels.SelectMany(p => p.Panel.Overlay).ToList();
        var read = new List<string>();
        foreach (var (kind, marks, bars) in new[] { (PanelKind.Lines, "Lines: our medians", " as error bars"), (PanelKind.Bars, "Bars: our medians", "") })
        {
            var drawn = panels.Where(p => p.Panel.Spec.Kind == kind).SelectMany(p => p.Panel.Rows).ToList();
            if (drawn.Count > 0) read.Add(marks + IntervalsDrawn(drawn, bars));
        }
        read.Add($"ours measured on {machine}");
        read.Add(overlay.Count > 0
            ? $"open markers: the paper's values, measured on {string.Join(" and ", overlay.Select(v => v.Machine).Distinct())}, on the same axes"
            : "the paper gives no values in these units for this figure, so none are drawn");
        foreach (var why in panels.Select(p => p.Plan.Why).Where(x => x is not null).Distinct()) read.Add(why!);
        w.P(string.Join("; ", read) + ".", "muted");
    }

    /// <summary>
    /// What the error bars of <paramref name="drawn"/> show: a point is drawn with its 95% CI only where it has one
    /// (PanelChart.ErrorBars), so the caption says so for all, some or none of them, and how many are a ratio's
    /// interval built from two CIs (<see cref="RatioInterval"/>) instead.
    /// </summary>
    static string IntervalsDrawn(IReadOnlyList<ResultRow> drawn, string bars)
    {
        int with = drawn.Count(r => double.IsFinite(r.CiLow) && double.IsFinite(r.CiHigh));
        int bound = drawn.Count(RatioInterval.IsBound);
        string bounds = bound == 0 ? "" : $" ({bound} of them, marked {RatioInterval.Mark} in the tables, a ratio of two medians with the range the two medians' 95% CIs allow, wider than a 95% CI)";
        if (with == drawn.Count) return $", with their 95% confidence intervals{bars}{bounds}";
        if (with > 0) return $", with their 95% confidence intervals{bars} where a point has one ({with} of {drawn.Count} points){bounds}";
        return drawn.All(r => r.Samples < SampleSummary.MinCountForCi)
            ? $" (no point has a 95% confidence interval: each is the median of fewer than {SampleSummary.MinCountForCi} samples, too few for one)"
            : " (no point has a 95% confidence interval: the rows give none)";
    }

    /// <summary>Where the data is: the folder and a link to its results.csv (relative to the report), and the row counts.</summary>
    public static void DataLine(HtmlWriter w, ExperimentResult e, string outputDir)
    {
        string csv = Path.Combine(e.Directory, ResultsFile.FileName);
        string href = string.Join('/', Path.GetRelativePath(outputDir, csv).Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString));
        w.Open("p", "muted folder").Text($"Experiment folder: {e.Name}; data: ");
        if (File.Exists(csv)) w.Raw($"<a href=\"{HtmlWriter.Encode(href)}\">").Text($"{e.Name}/{ResultsFile.FileName}").Raw("</a>");
        else w.Text("no results.csv");
        w.Text($" ({TitlePage.RowCounts(e)} rows).").Close("p");
    }

    /// <summary>Every row with its note, collapsed; the HTML only (print hides it).</summary>
    public static void RowsDetails(HtmlWriter w, IReadOnlyList<ResultRow> rows, string summary)
    {
        if (rows.Count == 0) return;
        w.Raw("<details class=\"rows\"><summary>").Text(summary).Raw("</summary>\n");
        RowTables.All(w, rows);
        w.Raw("</details>\n");
    }
}

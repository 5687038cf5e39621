using Report.Catalog;
using Report.Charts;
using Report.Html;
using Report.Input;
using Report.Paper;

namespace Report.Sections;

/// <summary>
/// The section of one experiment of one run: heading, warnings, our charts drawn on the paper's axes with the
/// paper's values overlaid, the caption (measured / modelled), key numbers, failures and the paper's values.
/// </summary>
public static class FigureSection
{
    public static void Write(HtmlWriter w, FigureSpec spec, ExperimentResult e, PaperValues paper)
    {
        w.Open("section", "figure", e.Name);
        w.H2(spec.Heading);
        w.P($"Experiment folder: {e.Name}", "muted folder");
        ExperimentNotices.Incomplete(w, e);
        var failed = e.Rows.Where(r => r.Verified == "fail").ToList();
        if (spec.Presentation == Presentation.Charts)
        {
            foreach (var g in ChartGroup.Of(spec, e.Rows, paper))
            {
                var chart = ScalingChart.Build(g.Spec, g.Series, g.Overlay, PageLayout.PortraitWidth, 400);
                w.Open("div", "chart").Raw(ScalingChart.ToHtml(chart)).Close("div");
                Zoomed(w, g);
                RowTables.KeyNumbers(w, g);
            }
        }
        else if (e.Rows.Count > 0)
        {
            w.H3("Our measurements");
            RowTables.All(w, e.Rows.Where(r => r.Verified != "fail"));
        }
        if (e.Rows.Count == 0) w.P("No rows were measured.");
        Caption(w, spec, overlaid: spec.Presentation == Presentation.Charts && ChartGroup.Of(spec, e.Rows, paper).Any(g => g.Overlay.Count > 0));
        RowTables.Failures(w, failed);
        RowTables.Paper(w, paper.Values.Where(v => spec.PaperFigures.Contains(v.Figure)).ToList(), paper.Source);
        ExperimentNotices.Notes(w, e);
        ExperimentNotices.Provenance(w, e);
        w.Close("section");
    }

    /// <summary>
    /// On the paper's axes a small machine's curves can shrink to a corner (2 cores and a few hundred cycles against
    /// the paper's 16 cores and 12,000 cycles). Then the same curves are drawn a second time with the axes fitted to
    /// our data, keeping the paper's values that fall inside.
    /// </summary>
    static void Zoomed(HtmlWriter w, ChartGroup g)
    {
        if (g.Overlay.Count == 0 || g.Series.Count == 0) return;
        var ours = ScalingChart.Extent(g.Spec, g.Series, []);
        var all = ScalingChart.Extent(g.Spec, g.Series, g.Overlay);
        if (ours.YMax <= 0 || (ours.YMax >= 0.25 * all.YMax && ours.XMax >= 0.25 * all.XMax)) return;
        var inside = g.Overlay.Where(p => p.Cores <= ours.XMax && p.Value * g.Spec.YScale <= ours.YMax * 1.1).ToList();
        var spec = g.Spec with { Title = g.Spec.Title + " (axes fitted to our data)" };
        var range = ScalingChart.Extent(g.Spec, g.Series, inside);
        w.Open("div", "chart").Raw(ScalingChart.ToHtml(ScalingChart.Build(spec, g.Series, inside, PageLayout.PortraitWidth, 320, range))).Close("div");
    }

    public static void Caption(HtmlWriter w, FigureSpec spec, bool overlaid)
    {
        w.Labelled("Measured:", spec.Measured, "caption");
        w.Labelled("Modelled:", spec.Modelled, "caption");
        if (spec.Presentation == Presentation.Charts)
            w.P("Lines: our medians with 95% confidence intervals (error bars)."
                + (overlaid ? " Open diamonds: the paper's values, measured on the paper's machine." : " The paper gives no values in these units for this figure, so none are overlaid."), "muted");
    }
}

using System.Globalization;
using Report.Catalog;
using Report.Charts;
using Report.Html;
using Report.Paper;

namespace Report.Sections;

/// <summary>
/// The tables of numbers a chapter shows: the plotted points of a panel (compact, in the PDF), every row (in the
/// HTML only, collapsible), rows without a value (failed, skipped), and the paper's values.
/// </summary>
public static class RowTables
{
    /// <summary>
    /// The plotted points of a panel: one line per curve, one column per core count (curves) or category (bars); each
    /// cell the median in the row's unit and the 95% CI as the larger of its two half-widths in percent of the median
    /// (a ratio's interval built from two CIs marked <see cref="RatioInterval.Mark"/>, with the footnote under the table).
    /// </summary>
    public static void Plotted(HtmlWriter w, PanelData d)
    {
        bool bars = d.Spec.Kind == PanelKind.Bars;
        var columns = bars
            ? d.Curves.SelectMany(c => c.Rows).Select(d.Spec.CategoryOf).Distinct().ToList()
            : d.Curves.SelectMany(c => c.Rows).Select(r => r.Cores).Distinct().Order().Select(c => c.ToString(CultureInfo.InvariantCulture)).ToList();
        string Column(ResultRow r) => bars ? d.Spec.CategoryOf(r) : r.Cores.ToString(CultureInfo.InvariantCulture);
        // Millions and more are shown as on the panel's axis (e.g. "Updates/s (millions)"), so the columns stay narrow.
        double scale = d.Spec.YScale <= 1e-6 ? d.Spec.YScale : 1;
        string unit = scale == 1 ? d.Unit : d.YTitle;
        var header = new List<string> { bars ? unit : $"{unit} \\ cores" };
        header.AddRange(columns);
        var rows = d.Curves.Select(c =>
        {
            var cells = new List<string> { c.Name };
            foreach (var col in columns)
            {
                var r = c.Rows.FirstOrDefault(x => Column(x) == col);
                cells.Add(r is null ? "" : WithPercent(r, scale));
            }
            return (IReadOnlyList<string>)cells;
        });
        w.Open("div", "tbl").Element("p", d.Title, "table-title");
        w.Table(header, rows, "plotted");
        Footnote(w, d.Rows);
        w.Close("div");
    }

    /// <summary>How many value columns <see cref="Plotted"/> makes for the panel (core counts or categories).</summary>
    public static int PlottedColumns(PanelData d) => d.Spec.Kind == PanelKind.Bars
        ? d.Curves.SelectMany(c => c.Rows).Select(d.Spec.CategoryOf).Distinct().Count()
        : d.Curves.SelectMany(c => c.Rows).Select(r => r.Cores).Distinct().Count();

    /// <summary>"3,708 ±0.4%": the median, and the larger half-width of its 95% CI in percent (nothing if there is no CI).</summary>
    public static string WithPercent(ResultRow r, double scale = 1)
    {
        string m = NumberText.Format(r.Median * scale);
        if (!double.IsFinite(r.CiLow) || !double.IsFinite(r.CiHigh) || r.Median == 0) return m;
        double half = Math.Max(r.CiHigh - r.Median, r.Median - r.CiLow) / Math.Abs(r.Median) * 100;
        if (half <= 0) return m;
        string text = half < 0.05 ? $"{m} ±<0.1%"
            : half < 10 ? $"{m} ±{half.ToString("0.0", CultureInfo.InvariantCulture)}%"
            : $"{m} ±{half.ToString("0", CultureInfo.InvariantCulture)}%";
        return RatioInterval.IsBound(r) ? text + RatioInterval.Mark : text;
    }

    /// <summary>Every row, a row's Note on a full-width line beneath it.</summary>
    public static void All(HtmlWriter w, IEnumerable<ResultRow> rows, string cssClass = "all-rows")
    {
        var list = rows.ToList();
        bool anyNs = list.Any(r => double.IsFinite(r.MedianNs));
        var header = new List<string> { "Series", "Cores", "Param", "Metric", "Median [95% CI]", "Unit" };
        if (anyNs) header.Add("Median (ns)");
        header.AddRange(["Samples", "Verified"]);
        w.TableWithNotes(header, list.Select(r =>
        {
            var c = new List<string> { r.Series, r.Cores.ToString(CultureInfo.InvariantCulture), r.Param, r.Metric, Value(r), r.Unit };
            if (anyNs) c.Add(NumberText.Format(r.MedianNs));
            c.AddRange([r.Samples.ToString(CultureInfo.InvariantCulture), r.Verified]);
            return ((IReadOnlyList<string>)c, r.Note);
        }), cssClass);
        Footnote(w, list);
    }

    /// <summary>The footnote of <see cref="RatioInterval.Mark"/>, where one of <paramref name="rows"/> carries it.</summary>
    static void Footnote(HtmlWriter w, IEnumerable<ResultRow> rows)
    {
        if (rows.Any(RatioInterval.IsBound)) w.P(RatioInterval.Footnote, "muted footnote");
    }

    /// <summary>The rows of a table panel without their notes (those are in the HTML's full rows).</summary>
    public static void Compact(HtmlWriter w, IEnumerable<ResultRow> rows)
    {
        var list = rows.Where(RowStatus.IsMeasured).ToList();
        bool anyNs = list.Any(r => double.IsFinite(r.MedianNs));
        bool metrics = list.Select(r => r.Metric).Distinct().Count() > 1;
        var header = new List<string> { "Series", "Cores", "Param" };
        if (metrics) header.Add("Metric");
        header.AddRange(["Median [95% CI]", "Unit"]);
        if (anyNs) header.Add("Median (ns)");
        w.Table(header, list.Select(r =>
        {
            var c = new List<string> { r.Series, r.Cores.ToString(CultureInfo.InvariantCulture), r.Param };
            if (metrics) c.Add(r.Metric);
            c.AddRange([Value(r), r.Unit]);
            if (anyNs) c.Add(NumberText.Format(r.MedianNs));
            return (IReadOnlyList<string>)c;
        }), "compact");
        Footnote(w, list);
    }

    static string Value(ResultRow r) => double.IsFinite(r.Median)
        ? NumberText.WithInterval(r.Median, r.CiLow, r.CiHigh) + (RatioInterval.IsBound(r) ? RatioInterval.Mark : "")
        : RowStatus.Of(r) switch
    {
        RowKind.Skipped => "skipped",
        RowKind.Failed => "failed",
        _ => "no value",
    };

    /// <summary>
    /// The rows of a figure that have no number to plot: failed verification (a red box), skipped here with the
    /// reason (a yellow box), or measured without a finite median. Listed, never plotted, never dropped.
    /// </summary>
    public static void NotMeasured(HtmlWriter w, IReadOnlyList<ResultRow> rows)
    {
        var failed = rows.Where(r => RowStatus.Of(r) == RowKind.Failed).ToList();
        if (failed.Count > 0)
            w.Open("div", "failure")
                .Labelled("Verification failed:", $"{failed.Count} point(s) computed a result that did not pass its check; they are not plotted.")
                .Table(["Series", "Cores", "Param", "Metric", "Median", "Unit", "Note"],
                    failed.Select(r => (IReadOnlyList<string>)[r.Series, r.Cores.ToString(CultureInfo.InvariantCulture), r.Param, r.Metric, NumberText.Format(r.Median), r.Unit, r.Note]))
                .Close("div");
        var skipped = rows.Where(r => RowStatus.Of(r) == RowKind.Skipped).ToList();
        if (skipped.Count > 0)
            w.Open("div", "warning")
                .Labelled("Skipped:", $"{skipped.Count} point(s) could not run on this machine or in this run:")
                .Table(["Series", "Cores", "Metric", "Why"],
                    skipped.GroupBy(r => (r.Series, r.Cores, Reason: RowStatus.Reason(r)))
                        .Select(g => (IReadOnlyList<string>)[g.Key.Series, g.Key.Cores.ToString(CultureInfo.InvariantCulture), string.Join(", ", g.Select(r => r.Metric).Distinct()), g.Key.Reason]))
                .Close("div");
        var noValue = rows.Where(r => RowStatus.Of(r) == RowKind.NoValue).ToList();
        if (noValue.Count > 0)
            w.Open("div", "warning")
                .Labelled("No value:", $"{noValue.Count} point(s) have samples but no finite median:")
                .Table(["Series", "Cores", "Param", "Metric", "Samples", "Note"],
                    noValue.Select(r => (IReadOnlyList<string>)[r.Series, r.Cores.ToString(CultureInfo.InvariantCulture), r.Param, r.Metric, r.Samples.ToString(CultureInfo.InvariantCulture), r.Note]))
                .Close("div");
    }

    /// <summary>The paper's values for a figure; the machine only as a column where they come from several (the caption names it otherwise).</summary>
    public static void Paper(HtmlWriter w, IReadOnlyList<PaperValue> values, string source)
    {
        if (values.Count == 0) return;
        bool machines = values.Select(v => v.Machine).Distinct().Count() > 1;
        bool notes = values.Any(v => v.Note.Length > 0);
        var header = new List<string> { "The paper's values" };
        if (machines) header.Add("Machine");
        header.AddRange(["Cores", "Value", "Precision"]);
        if (notes) header.Add("Note");
        w.Table(header, values.Select(v =>
        {
            var c = new List<string> { v.Series };
            if (machines) c.Add(v.Machine);
            c.AddRange([v.Cores?.ToString(CultureInfo.InvariantCulture) ?? "", $"{NumberText.Format(v.Value)} {v.Unit}", v.Precision]);
            if (notes) c.Add(v.Note);
            return (IReadOnlyList<string>)c;
        }), "compact paper");
        w.P($"Source: {source}" + (machines ? "" : $"; measured on {values[0].Machine}") + " ('approx': read off the paper's plots by eye; 'text': stated in its text or tables).", "muted");
    }
}

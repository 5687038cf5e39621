using Experiments.Schema;
using Report.Charts;
using Report.Html;
using Report.Paper;

namespace Report.Sections;

/// <summary>The tables of numbers a section shows: key numbers of a chart, all rows, failures, the paper's values.</summary>
public static class RowTables
{
    /// <summary>
    /// For each curve its smallest and largest core count (median with 95% CI, samples, ns where the unit is
    /// cycles, speedup where it is seconds) and the paper's value for the same series at the same core count
    /// where the paper gives one.
    /// </summary>
    public static void KeyNumbers(HtmlWriter w, ChartGroup g)
    {
        bool anyNs = g.Series.Any(s => s.Rows.Any(r => double.IsFinite(r.MedianNs)));
        var header = new List<string> { "Series", "Cores", $"Median [95% CI] ({g.Unit})", "Samples" };
        if (anyNs) header.Add("Median (ns)");
        bool isTime = g.Unit == "s";
        if (isTime) header.Add("Speedup over fewest cores");
        bool hasPaper = g.Overlay.Count > 0;
        if (hasPaper) header.Add("Paper, same series and cores");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var s in g.Series)
        {
            ResultRow[] picks = s.Rows.Count == 1 ? [s.Rows[0]] : [s.Rows[0], s.Rows[^1]];
            foreach (var r in picks)
            {
                var cells = new List<string> { s.Name, r.Cores.ToString(), NumberText.WithInterval(r.Median, r.CiLow, r.CiHigh), r.Samples.ToString() };
                if (anyNs) cells.Add(NumberText.Format(r.MedianNs));
                if (isTime) cells.Add(r.Median > 0 ? $"{s.Rows[0].Median / r.Median:0.00}x" : "");
                if (hasPaper)
                {
                    var paper = g.Overlay.FirstOrDefault(p => p.Series == s.Name && p.Cores == r.Cores);
                    cells.Add(paper is null ? "" : $"{NumberText.Format(paper.Value)} {paper.Unit} ({paper.Precision}, {paper.Machine})");
                }
                rows.Add(cells);
            }
        }
        w.Table(header, rows, "key-numbers");
    }

    /// <summary>Every row, for experiments shown as tables; a row's Note goes on a full-width line beneath it.</summary>
    public static void All(HtmlWriter w, IEnumerable<ResultRow> rows)
    {
        var list = rows.ToList();
        bool anyNs = list.Any(r => double.IsFinite(r.MedianNs));
        var header = new List<string> { "Series", "Cores", "Param", "Metric", "Median [95% CI]", "Unit" };
        if (anyNs) header.Add("Median (ns)");
        header.AddRange(["Samples", "Verified"]);
        w.TableWithNotes(header, list.Select(r =>
        {
            var c = new List<string> { r.Series, r.Cores.ToString(), r.Param, r.Metric, NumberText.WithInterval(r.Median, r.CiLow, r.CiHigh), r.Unit };
            if (anyNs) c.Add(NumberText.Format(r.MedianNs));
            c.AddRange([r.Samples.ToString(), r.Verified]);
            return ((IReadOnlyList<string>)c, r.Note);
        }), "all-rows");
    }

    /// <summary>Rows whose result failed verification: listed, never plotted.</summary>
    public static void Failures(HtmlWriter w, IReadOnlyList<ResultRow> failed)
    {
        if (failed.Count == 0) return;
        w.Open("div", "failure")
            .Labelled("Verification failed:", $"{failed.Count} point(s) computed a result that does not match the official verification value; they are not plotted.")
            .Table(["Series", "Cores", "Param", "Metric", "Median", "Unit", "Note"],
                failed.Select(r => (IReadOnlyList<string>)[r.Series, r.Cores.ToString(), r.Param, r.Metric, NumberText.Format(r.Median), r.Unit, r.Note]))
            .Close("div");
    }

    public static void Paper(HtmlWriter w, IReadOnlyList<PaperValue> values, string source)
    {
        if (values.Count == 0) return;
        w.H3("The paper's values");
        w.Table(["Figure", "Series", "Machine", "Cores", "Value", "Unit", "Precision", "Note"],
            values.Select(v => (IReadOnlyList<string>)[v.Figure, v.Series, v.Machine, v.Cores?.ToString() ?? "", NumberText.Format(v.Value), v.Unit, v.Precision, v.Note]));
        w.P($"Source: {source}. 'approx' values were read off the paper's plots by eye; 'text' values are stated in its text or tables.", "muted");
    }
}

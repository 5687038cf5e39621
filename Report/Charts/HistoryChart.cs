using Plotly.NET;
using Report.History;

namespace Report.Charts;

/// <summary>
/// One benchmark's URPC history as a Plotly chart: x = the run's slot (its commit; in date order, see <see cref="HistoryPoint.Slot"/>), y = the run's median with its CI where
/// the file has one; the band of the previous runs as two grey dotted lines; runs worse than the whole band ringed;
/// runs the comparer flagged as slower crossed. Same plot background and legend placement as <see cref="PanelChart"/>.
/// </summary>
public static class HistoryChart
{
    const string FlagColour = "#a50f15";
    const int PlotHeight = 215;

    public static GenericChart Build(HistoryPanel panel, int width)
    {
        var slots = panel.Series.SelectMany(s => s.Points).OrderBy(p => p.Entry.Date).Select(p => p.Slot).Distinct().ToList();
        var styles = SeriesStyles.For(panel.Series.Select(s => s.Name).ToList());
        var traces = new List<Trace>();
        var legend = new List<string>();
        for (int i = 0; i < panel.Series.Count; i++)
        {
            var s = panel.Series[i];
            var t = new Trace("scatter");
            t.SetProperty("name", s.Name);
            t.SetProperty("mode", "lines+markers");
            t.SetProperty("x", s.Points.Select(p => p.Slot).ToArray());
            t.SetProperty("y", s.Points.Select(p => p.Value).ToArray());
            t.SetProperty("text", s.Points.Select(p => $"{p.Entry.Commit} {p.Entry.Date:yyyy-MM-dd HH:mm} {p.Entry.Cpu} cores {p.Entry.Cores} {p.Entry.Profile}").ToArray());
            t.SetProperty("line", new Dictionary<string, object> { ["color"] = styles[i].Colour, ["width"] = 2 });
            t.SetProperty("marker", new Dictionary<string, object> { ["color"] = styles[i].Colour, ["size"] = 6, ["symbol"] = styles[i].Symbol });
            // Each run's CI as its bar; a run without one (a line written before the history had CI columns) gets NaN,
            // which plotly.js draws as no bar at that run only.
            static bool HasCi(HistoryPoint p) => double.IsFinite(p.CiLow) && double.IsFinite(p.CiHigh);
            if (s.Points.Any(HasCi))
                t.SetProperty("error_y", new Dictionary<string, object>
                {
                    ["type"] = "data", ["symmetric"] = false, ["color"] = styles[i].Colour, ["thickness"] = 1.2, ["width"] = 3,
                    ["array"] = s.Points.Select(p => HasCi(p) ? Math.Max(0, p.CiHigh - p.Value) : double.NaN).ToArray(),
                    ["arrayminus"] = s.Points.Select(p => HasCi(p) ? Math.Max(0, p.Value - p.CiLow) : double.NaN).ToArray(),
                });
            traces.Add(t);
            legend.Add(s.Name);
            var banded = s.Points.Where(p => p.HasBand).ToList();
            if (banded.Count > 0)
            {
                foreach (var (edge, pick) in new (string, Func<HistoryPoint, double>)[] { ("low", p => p.BandLow), ("high", p => p.BandHigh) })
                {
                    var b = new Trace("scatter");
                    b.SetProperty("name", $"{s.Name}: range of the previous runs");
                    b.SetProperty("showlegend", edge == "low");
                    b.SetProperty("mode", "lines");
                    b.SetProperty("hoverinfo", "skip");
                    b.SetProperty("x", banded.Select(p => p.Slot).ToArray());
                    b.SetProperty("y", banded.Select(pick).ToArray());
                    b.SetProperty("line", new Dictionary<string, object> { ["color"] = "#8a8a8a", ["width"] = 1.1, ["dash"] = "dot", ["shape"] = "hv" });
                    traces.Add(b);
                }
                legend.Add($"{s.Name}: range of the previous runs");
            }
        }
        var worse = panel.Series.SelectMany(s => s.Points).Where(p => p.WorseThanBand(panel.HigherIsBetter)).ToList();
        if (worse.Count > 0)
        {
            traces.Add(Marks("worse than every previous run in the band", worse, "circle-open", 15));
            legend.Add("worse than every previous run in the band");
        }
        var flagged = panel.Series.SelectMany(s => s.Points).Where(p => p.Entry.FlaggedSlower).ToList();
        if (flagged.Count > 0)
        {
            traces.Add(Marks("flagged slower by the comparer", flagged, "x-thin-open", 13));
            legend.Add("flagged slower by the comparer");
        }

        int bottom = 62 + 17 * PanelChart.LegendRows(legend, width) + 6;
        var chart = GenericChart.combine(traces.Select(t => GenericChart.ofTraceObject(true, t)));
        var l = new Layout();
        l.SetProperty("width", width);
        l.SetProperty("height", PlotHeight + 30 + bottom);
        l.SetProperty("title", new Dictionary<string, object> { ["text"] = panel.Benchmark, ["font"] = new Dictionary<string, object> { ["size"] = 13 }, ["x"] = 0.01, ["xanchor"] = "left", ["y"] = 0.985, ["yanchor"] = "top" });
        l.SetProperty("paper_bgcolor", "white");
        l.SetProperty("plot_bgcolor", PanelChart.PlotBackground);
        l.SetProperty("font", new Dictionary<string, object> { ["family"] = "DejaVu Sans, Arial, sans-serif", ["size"] = 10, ["color"] = "#222" });
        l.SetProperty("margin", new Dictionary<string, object> { ["l"] = 58, ["r"] = 12, ["t"] = 30, ["b"] = bottom });
        l.SetProperty("showlegend", true);
        l.SetProperty("legend", new Dictionary<string, object> { ["orientation"] = "h", ["x"] = 0, ["xanchor"] = "left", ["y"] = -58.0 / PlotHeight, ["yanchor"] = "top" });
        l.SetProperty("xaxis", new Dictionary<string, object>
        {
            ["title"] = new Dictionary<string, object> { ["text"] = "Commit (oldest first)", ["standoff"] = 2 },
            ["type"] = "category", ["categoryorder"] = "array", ["categoryarray"] = slots.ToArray(),
            ["tickangle"] = -45, ["showline"] = true, ["linecolor"] = "#444", ["mirror"] = true, ["gridcolor"] = "#dde3ec", ["automargin"] = false,
        });
        l.SetProperty("yaxis", new Dictionary<string, object>
        {
            ["title"] = new Dictionary<string, object> { ["text"] = panel.YTitle }, ["rangemode"] = "tozero",
            ["showline"] = true, ["linecolor"] = "#444", ["mirror"] = true, ["ticks"] = "outside", ["gridcolor"] = "#dde3ec", ["zeroline"] = false, ["automargin"] = false,
        });
        chart = GenericChart.addLayout(l, chart);
        var config = new Config();
        config.SetProperty("responsive", false);
        config.SetProperty("displaylogo", false);
        return GenericChart.setConfig(config, chart);
    }

    static Trace Marks(string name, IReadOnlyList<HistoryPoint> points, string symbol, int size)
    {
        var t = new Trace("scatter");
        t.SetProperty("name", name);
        t.SetProperty("mode", "markers");
        t.SetProperty("x", points.Select(p => p.Slot).ToArray());
        t.SetProperty("y", points.Select(p => p.Value).ToArray());
        t.SetProperty("marker", new Dictionary<string, object> { ["symbol"] = symbol, ["size"] = size, ["color"] = FlagColour, ["line"] = new Dictionary<string, object> { ["width"] = 2, ["color"] = FlagColour } });
        return t;
    }
}

using Experiments.Schema;
using Plotly.NET;
using Report.Paper;

namespace Report.Charts;

/// <summary>
/// Draws curves against cores with Plotly.NET: each series a line with markers and its 95% CI as error bars,
/// and the paper's values for the same figure as large open markers. Values are multiplied by the spec's
/// YScale so the y axis reads like the paper's.
/// </summary>
public static class ScalingChart
{
    /// <summary>Series colours; tests/e2e/PdfCheck counts pixels of these to tell a drawn chart from an empty one.</summary>
    internal static readonly string[] Palette =
        ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

    /// <summary>Paper values that can be drawn on <paramref name="spec"/>: same figure, same unit, known core count.</summary>
    public static IReadOnlyList<PaperValue> Overlay(ChartSpec spec, string unit, IEnumerable<PaperValue> paper) =>
        spec.PaperFigure is null || spec.PaperUnit is null || !unit.Equals(spec.PaperUnit, StringComparison.OrdinalIgnoreCase)
            ? []
            : paper.Where(p => p.Figure == spec.PaperFigure && p.Cores is not null && p.Unit.Equals(spec.PaperUnit, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The extent of the data and overlay, for sharing axes between two charts.</summary>
    public static AxisRange Extent(ChartSpec spec, IReadOnlyList<SeriesPoints> series, IReadOnlyList<PaperValue> overlay)
    {
        double xMax = 1, yMax = 0;
        foreach (var s in series)
            foreach (var r in s.Rows)
            {
                xMax = Math.Max(xMax, r.Cores);
                yMax = Math.Max(yMax, Math.Max(r.Median, double.IsFinite(r.CiHigh) ? r.CiHigh : r.Median) * spec.YScale);
            }
        foreach (var p in overlay)
        {
            xMax = Math.Max(xMax, p.Cores!.Value);
            yMax = Math.Max(yMax, p.Value * spec.YScale);
        }
        return new AxisRange(xMax, yMax);
    }

    /// <param name="colourOrder">Series names whose position picks the colour (so that two charts of a comparison colour
    /// the same series alike); null: the order of <paramref name="series"/>.</param>
    public static GenericChart Build(ChartSpec spec, IReadOnlyList<SeriesPoints> series, IReadOnlyList<PaperValue> overlay,
        int width, int height, AxisRange? range = null, IReadOnlyList<string>? colourOrder = null)
    {
        var traces = new List<GenericChart>();
        var colorOf = new Dictionary<string, string>();
        for (int i = 0; i < series.Count; i++)
        {
            int slot = colourOrder is null ? i : Math.Max(0, colourOrder.ToList().IndexOf(series[i].Name));
            string color = Palette[slot % Palette.Length];
            colorOf[series[i].Name] = color;
            traces.Add(GenericChart.ofTraceObject(true, Curve(series[i], spec.YScale, color, Dashes[slot / Palette.Length % Dashes.Length])));
        }
        foreach (var group in overlay.GroupBy(p => p.Series))
        {
            string color = colorOf.TryGetValue(group.Key, out var c) ? c : "#000000";
            traces.Add(GenericChart.ofTraceObject(true, PaperMarkers(group.Key, group.ToList(), spec.YScale, color)));
        }
        var chart = GenericChart.combine(traces);
        // The legend sits beside the plot; give it room for every entry (about 20 px each) so none is cut off.
        int legendHeight = 20 * traces.Count + 110;
        chart = GenericChart.addLayout(Layout(spec, width, Math.Max(height, legendHeight), range ?? Extent(spec, series, overlay)), chart);
        var config = new Config();
        config.SetProperty("responsive", false);
        config.SetProperty("displaylogo", false);
        config.SetProperty("displayModeBar", false);
        return GenericChart.setConfig(config, chart);
    }

    /// <summary>Line styles that tell apart curves that share a colour (the 11th curve on).</summary>
    static readonly string[] Dashes = ["solid", "dash", "dot", "dashdot"];

    static Trace Curve(SeriesPoints s, double scale, string color, string dash)
    {
        var t = new Trace("scatter");
        t.SetProperty("name", s.Name);
        t.SetProperty("mode", "lines+markers");
        t.SetProperty("x", s.Rows.Select(r => r.Cores).ToArray());
        t.SetProperty("y", s.Rows.Select(r => r.Median * scale).ToArray());
        t.SetProperty("line", new Dictionary<string, object> { ["color"] = color, ["width"] = 2.5, ["dash"] = dash });
        t.SetProperty("marker", new Dictionary<string, object> { ["color"] = color, ["size"] = 7 });
        bool hasCi = s.Rows.All(r => double.IsFinite(r.CiLow) && double.IsFinite(r.CiHigh));
        if (hasCi)
            t.SetProperty("error_y", new Dictionary<string, object>
            {
                ["type"] = "data",
                ["symmetric"] = false,
                ["array"] = s.Rows.Select(r => Math.Max(0, r.CiHigh - r.Median) * scale).ToArray(),
                ["arrayminus"] = s.Rows.Select(r => Math.Max(0, r.Median - r.CiLow) * scale).ToArray(),
                ["color"] = color,
                ["thickness"] = 1.2,
                ["width"] = 4,
            });
        return t;
    }

    static Trace PaperMarkers(string series, IReadOnlyList<PaperValue> values, double scale, string color)
    {
        var t = new Trace("scatter");
        t.SetProperty("name", $"paper: {series}");
        t.SetProperty("mode", "markers");
        t.SetProperty("x", values.Select(v => v.Cores!.Value).ToArray());
        t.SetProperty("y", values.Select(v => v.Value * scale).ToArray());
        t.SetProperty("text", values.Select(v => $"{v.Machine}; {v.Precision}").ToArray());
        t.SetProperty("marker", new Dictionary<string, object>
        {
            ["symbol"] = "diamond-open",
            ["size"] = 13,
            ["color"] = color,
            ["line"] = new Dictionary<string, object> { ["width"] = 2.5, ["color"] = color },
        });
        return t;
    }

    static Layout Layout(ChartSpec spec, int width, int height, AxisRange range)
    {
        var l = new Layout();
        l.SetProperty("width", width);
        l.SetProperty("height", height);
        l.SetProperty("title", new Dictionary<string, object> { ["text"] = spec.Title, ["font"] = new Dictionary<string, object> { ["size"] = 14 }, ["x"] = 0.02 });
        l.SetProperty("paper_bgcolor", "white");
        l.SetProperty("plot_bgcolor", "white");
        l.SetProperty("font", new Dictionary<string, object> { ["family"] = "DejaVu Sans, Arial, sans-serif", ["size"] = 11, ["color"] = "#222" });
        l.SetProperty("margin", new Dictionary<string, object> { ["l"] = 60, ["r"] = 10, ["t"] = 40, ["b"] = 50 });
        l.SetProperty("showlegend", true); // also for a single curve: the legend names the series
        l.SetProperty("legend", new Dictionary<string, object> { ["x"] = 1.02, ["y"] = 1, ["font"] = new Dictionary<string, object> { ["size"] = 10 } });
        double xMax = Math.Ceiling(range.XMax) + 0.5;
        l.SetProperty("xaxis", Axis(spec.XTitle, [0, xMax], range.XMax <= 16 ? 1 : null));
        l.SetProperty("yaxis", Axis(spec.YTitle, [0, range.YMax > 0 ? range.YMax * 1.08 : 1], null, range.YMax >= 1e5 ? "~s" : "~g"));
        return l;
    }

    static Dictionary<string, object> Axis(string title, double[] range, int? dtick, string tickFormat = "~g")
    {
        var a = new Dictionary<string, object>
        {
            ["title"] = new Dictionary<string, object> { ["text"] = title },
            ["range"] = range,
            ["showline"] = true,
            ["linecolor"] = "#444",
            ["mirror"] = true,
            ["ticks"] = "outside",
            ["gridcolor"] = "#e3e3e3",
            ["zeroline"] = false,
            ["tickformat"] = tickFormat,
        };
        if (dtick is not null) a["dtick"] = dtick.Value;
        return a;
    }

    /// <summary>The chart as an HTML fragment (a div and the script that draws it; plotly.js itself is in the page head).</summary>
    public static string ToHtml(GenericChart chart) => GenericChart.toChartHTML(chart);

}

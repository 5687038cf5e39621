using Plotly.NET;
using Report.Catalog;
using Report.Paper;

namespace Report.Charts;

/// <summary>
/// Draws one panel with Plotly.NET. Curves: each series a line with markers and its 95% CI as error bars against
/// cores; bars: one bar per series and category with its CI. The paper's values sit on the same axes as large open
/// markers (in the colour of our series they stand for, else black). The legend is below the plot, so two panels fit
/// side by side. The plot area has its own pale background (<see cref="PlotBackground"/>), which tests/e2e/PdfCheck
/// uses to find each panel on a printed page.
/// </summary>
public static class PanelChart
{
    /// <summary>Background of every plot area; nothing else in the report has this colour (PdfCheck relies on it).</summary>
    public const string PlotBackground = "#f4f7fb";
    const string GuideColour = "#8a8a8a";
    /// <summary>Height of the plot area of a panel in a row of two, and of a panel alone in its row (full width).</summary>
    public const int PlotHeight = 215, WidePlotHeight = 250;

    /// <summary>Pixels left of the plot area (the y axis's ticks and title); the legend below starts at this offset.</summary>
    const int LeftMargin = 58;

    /// <summary>The legend entry of every paper value drawn in the colour of the series of ours it stands for.</summary>
    public const string MatchedPaperLegend = "paper (◇)";

    static readonly string[] PaperSymbols = ["star-open", "hexagon-open", "triangle-down-open", "pentagon-open", "square-open"];

    public static GenericChart Build(PanelData d, AxisPlan? plan, int width, int plotHeight = PlotHeight)
    {
        var names = d.Curves.Select(c => c.Name).ToList();
        var styles = SeriesStyles.For(names);
        var traces = new List<Trace>();
        bool bars = d.Spec.Kind == PanelKind.Bars;
        var categories = bars ? d.Curves.SelectMany(c => c.Rows).Select(d.Spec.CategoryOf).Distinct().ToList() : [];
        for (int i = 0; i < d.Curves.Count; i++)
            traces.Add(bars ? Bar(d.Curves[i], d.Spec, styles[i]) : Curve(d.Curves[i], d.Spec.YScale, styles[i]));
        // Bars: each paper value sits over the bar of our series it stands for (scattermode "group" offsets markers like bars).
        int paperSymbol = 0;
        bool matchedShown = false;
        var legend = new List<string>(names);
        foreach (var group in d.Overlay.GroupBy(p => p.Series))
        {
            string? ours = d.OursFor(group.First());
            int idx = ours is null ? -1 : names.IndexOf(ours);
            // Over a bar of the same colour a coloured marker would vanish: on bars, paper values are black, placed over their bar.
            string colour = idx >= 0 && !bars ? styles[idx].Colour : SeriesStyles.PaperColour;
            string symbol = idx >= 0 ? "diamond-open" : PaperSymbols[paperSymbol++ % PaperSymbols.Length];
            var marks = PaperMarkers(group.Key, group.ToList(), d, colour, symbol, bars);
            if (idx >= 0)
            {
                // A paper value drawn in the colour of our series it stands for: one legend entry for all of them.
                if (matchedShown) marks.SetProperty("showlegend", false);
                else { marks.SetProperty("name", MatchedPaperLegend); legend.Add(MatchedPaperLegend); matchedShown = true; }
                if (bars) marks.SetProperty("offsetgroup", names[idx]);
            }
            else legend.Add($"paper: {group.Key}");
            traces.Add(marks);
        }
        var p = plan ?? AxisPlan.For([d]);
        if (!bars)
            foreach (var g in d.Spec.Guides)
                traces.Add(Guide(g, p));

        int legendRows = LegendRows(legend, width);
        int axisSpace = AxisSpace(bars, categories);
        int bottom = axisSpace + 17 * legendRows + 6;
        var chart = GenericChart.combine(traces.Select(t => GenericChart.ofTraceObject(true, t)));
        chart = GenericChart.addLayout(Layout(d, p, width, plotHeight + 30 + bottom, bottom, plotHeight, bars, categories), chart);
        var config = new Config();
        config.SetProperty("responsive", false);
        config.SetProperty("displaylogo", false);
        return GenericChart.setConfig(config, chart);
    }

    /// <summary>The chart as an HTML fragment (a div and the script that draws it; plotly.js itself is in the page head).</summary>
    public static string ToHtml(GenericChart chart) => GenericChart.toChartHTML(chart);

    /// <summary>
    /// Rows the horizontal legend needs at this width: one if every entry fits side by side; otherwise plotly.js lays the
    /// entries out in columns as wide as the widest one (about 6.2 px per character of 10 px text, plus the swatch).
    /// </summary>
    public static int LegendRows(IReadOnlyList<string> names, int width)
    {
        if (names.Count == 0) return 0;
        var widths = names.Select(n => 45 + (int)Math.Ceiling(6.2 * n.Length)).ToList();
        int avail = width - LeftMargin; // a legend below the plot area starts at its left edge and may run to the figure's right edge
        if (widths.Sum() <= avail) return 1;
        int columns = Math.Max(1, avail / widths.Max());
        return (names.Count + columns - 1) / columns;
    }

    static Trace Curve(SeriesPoints s, double scale, SeriesStyle style)
    {
        var t = new Trace("scatter");
        t.SetProperty("name", s.Name);
        t.SetProperty("mode", "lines+markers");
        t.SetProperty("x", s.Rows.Select(r => r.Cores).ToArray());
        t.SetProperty("y", s.Rows.Select(r => r.Median * scale).ToArray());
        t.SetProperty("line", new Dictionary<string, object> { ["color"] = style.Colour, ["width"] = 2.2, ["dash"] = style.Dash });
        t.SetProperty("marker", new Dictionary<string, object> { ["color"] = style.Colour, ["size"] = 7, ["symbol"] = style.Symbol, ["line"] = new Dictionary<string, object> { ["width"] = 1.5, ["color"] = style.Colour } });
        ErrorBars(t, s, scale, style.Colour);
        return t;
    }

    static Trace Bar(SeriesPoints s, PanelSpec spec, SeriesStyle style)
    {
        var t = new Trace("bar");
        t.SetProperty("name", s.Name);
        t.SetProperty("x", s.Rows.Select(r => Tick(spec.CategoryOf(r))).ToArray());
        t.SetProperty("y", s.Rows.Select(r => r.Median * spec.YScale).ToArray());
        t.SetProperty("offsetgroup", s.Name);
        t.SetProperty("marker", new Dictionary<string, object> { ["color"] = style.Colour });
        ErrorBars(t, s, spec.YScale, "#333333");
        return t;
    }

    /// <summary>
    /// Each point's 95% CI as its error bar; a point without one (NaN bounds: too few samples) gets NaN on both sides,
    /// which plotly.js draws as no bar at that point only (it draws a zero or null as a bar of zero length).
    /// </summary>
    static void ErrorBars(Trace t, SeriesPoints s, double scale, string colour)
    {
        static bool HasCi(ResultRow r) => double.IsFinite(r.CiLow) && double.IsFinite(r.CiHigh);
        if (!s.Rows.Any(HasCi)) return;
        t.SetProperty("error_y", new Dictionary<string, object>
        {
            ["type"] = "data",
            ["symmetric"] = false,
            ["array"] = s.Rows.Select(r => HasCi(r) ? Math.Max(0, r.CiHigh - r.Median) * scale : double.NaN).ToArray(),
            ["arrayminus"] = s.Rows.Select(r => HasCi(r) ? Math.Max(0, r.Median - r.CiLow) * scale : double.NaN).ToArray(),
            ["color"] = colour,
            ["thickness"] = 1.2,
            ["width"] = 3,
        });
    }

    static Trace PaperMarkers(string series, IReadOnlyList<PaperValue> values, PanelData d, string colour, string symbol, bool bars)
    {
        var t = new Trace("scatter");
        t.SetProperty("name", $"paper: {series}");
        t.SetProperty("mode", "markers");
        t.SetProperty("x", bars ? values.Select(v => (object)Tick(d.CategoryOf(v) ?? v.Figure)).ToArray() : values.Select(v => (object)v.Cores!.Value).ToArray());
        t.SetProperty("y", values.Select(v => v.Value * d.Spec.YScale).ToArray());
        t.SetProperty("text", values.Select(v => $"paper: {v.Series}, {v.Machine} ({v.Precision})").ToArray());
        t.SetProperty("marker", new Dictionary<string, object>
        {
            ["symbol"] = symbol,
            ["size"] = 12,
            ["color"] = colour,
            ["line"] = new Dictionary<string, object> { ["width"] = 2.2, ["color"] = colour },
        });
        return t;
    }

    static Trace Guide(ReferenceLine g, AxisPlan p)
    {
        var t = new Trace("scatter");
        t.SetProperty("name", g.Label);
        t.SetProperty("showlegend", false); // named in the panel's title instead, to keep the legend short
        t.SetProperty("mode", "lines");
        t.SetProperty("hoverinfo", "skip");
        double x0 = 1, x1 = Math.Max(1, p.XMax);
        if (g.Diagonal)
        {
            double top = Math.Min(x1, p.YMax);
            t.SetProperty("x", new[] { x0, top });
            t.SetProperty("y", new[] { x0, top });
        }
        else
        {
            t.SetProperty("x", new[] { x0, x1 });
            t.SetProperty("y", new[] { g.Value, g.Value });
        }
        t.SetProperty("line", new Dictionary<string, object> { ["color"] = GuideColour, ["width"] = 1.2, ["dash"] = "dot" });
        return t;
    }

    /// <summary>Room below the plot for the x axis (tick labels and title; bar labels have a line per word).</summary>
    static int AxisSpace(bool bars, IReadOnlyList<string> categories) =>
        bars ? 14 + 13 * (1 + categories.Select(c => c.Count(ch => ch == ' ')).DefaultIfEmpty(0).Max()) : 42;

    /// <summary>A bar category as an axis label: its words on separate lines, so labels stay short and level.</summary>
    static string Tick(string category) => category.Replace(" ", "<br>", StringComparison.Ordinal);

    static Layout Layout(PanelData d, AxisPlan p, int width, int height, int bottom, int plotHeight, bool bars, IReadOnlyList<string> categories)
    {
        var l = new Layout();
        l.SetProperty("width", width);
        l.SetProperty("height", height);
        l.SetProperty("title", new Dictionary<string, object> { ["text"] = d.Title, ["font"] = new Dictionary<string, object> { ["size"] = 13 }, ["x"] = 0.01, ["xanchor"] = "left", ["y"] = 0.985, ["yanchor"] = "top" });
        l.SetProperty("paper_bgcolor", "white");
        l.SetProperty("plot_bgcolor", PlotBackground);
        l.SetProperty("font", new Dictionary<string, object> { ["family"] = "DejaVu Sans, Arial, sans-serif", ["size"] = 10, ["color"] = "#222" });
        l.SetProperty("margin", new Dictionary<string, object> { ["l"] = LeftMargin, ["r"] = 12, ["t"] = 30, ["b"] = bottom });
        l.SetProperty("showlegend", true);
        l.SetProperty("legend", new Dictionary<string, object>
        {
            ["orientation"] = "h", ["x"] = 0, ["xanchor"] = "left", ["y"] = -(AxisSpace(bars, categories) - 4.0) / plotHeight, ["yanchor"] = "top",
            ["font"] = new Dictionary<string, object> { ["size"] = 10 },
        });
        if (bars)
        {
            l.SetProperty("barmode", "group");
            l.SetProperty("scattermode", "group");
            l.SetProperty("xaxis", Axis("", null, false, categories.Select(Tick).ToList()));
            l.SetProperty("yaxis", Axis(d.YTitle, p.LinearYRange(0.1), false));
        }
        else
        {
            double[] xRange = p.XLog ? [Math.Log10(0.85), Math.Log10(p.XMax * 1.18)] : [0, Math.Ceiling(p.XMax) + 0.5];
            var x = Axis("Cores", xRange, p.XLog);
            if (p.XLog) x["tickvals"] = PowersOfTwo(p.XMax);
            else if (p.XMax <= 16) x["dtick"] = p.XMax <= 8 ? 1 : 2;
            l.SetProperty("xaxis", x);
            double[] yRange = p.YLog ? [Math.Log10(p.YMin * 0.7), Math.Log10(p.YMax * 1.4)] : p.LinearYRange(0.08);
            var y = Axis(d.YTitle, yRange, p.YLog);
            if (p.YLog) y["dtick"] = yRange[1] - yRange[0] >= 2.2 ? 1 : "D2";
            l.SetProperty("yaxis", y);
        }
        return l;
    }

    static int[] PowersOfTwo(double max)
    {
        var v = new List<int>();
        for (int c = 1; c <= max * 1.01; c *= 2) v.Add(c);
        return v.ToArray();
    }

    static Dictionary<string, object> Axis(string title, double[]? range, bool log, IReadOnlyList<string>? categories = null)
    {
        var a = new Dictionary<string, object>
        {
            ["title"] = new Dictionary<string, object> { ["text"] = title, ["standoff"] = 4 },
            ["showline"] = true,
            ["linecolor"] = "#444",
            ["mirror"] = true,
            ["ticks"] = "outside",
            ["gridcolor"] = "#dde3ec",
            ["zeroline"] = false,
            ["automargin"] = false,
        };
        if (range is not null) a["range"] = range;
        if (log) a["type"] = "log";
        if (categories is not null)
        {
            a["type"] = "category";
            a["categoryorder"] = "array";
            a["categoryarray"] = categories.ToArray();
        }
        else if (!log) a["tickformat"] = "~g";
        return a;
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Report.Tests;

/// <summary>One trace of a Plotly chart in a report page: its name, x values as text (cores or categories), y values.</summary>
public sealed record ChartTrace(string Name, string[] X, double[] Y, JsonElement Raw)
{
    public double[] XNumbers => X.Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
    public bool ShownInLegend => !Raw.TryGetProperty("showlegend", out var s) || s.GetBoolean();
    public string? Dash => Raw.TryGetProperty("line", out var l) && l.TryGetProperty("dash", out var d) ? d.GetString() : null;
    public string? Colour => Raw.TryGetProperty("marker", out var m) && m.TryGetProperty("color", out var c) ? c.GetString() : null;

    /// <summary>The error bar of each point, up ("array") or down ("arrayminus"); null where the point has none (null or
    /// "NaN" in the chart); null for the whole trace where it has no error bars at all.</summary>
    public double?[]? ErrorBars(string side) =>
        Raw.TryGetProperty("error_y", out var e) && e.TryGetProperty(side, out var a)
            ? a.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : (double?)null).ToArray()
            : null;

    /// <summary>Asserts the trace's error bars point by point, up and down (null: a point without a bar).</summary>
    public void AssertErrorBars(double?[] up, double?[] down)
    {
        Assert.True(ErrorBars("array") is not null, $"the trace {Name} has no error bars at all");
        Assert.Equal(up, ErrorBars("array"));
        Assert.Equal(down, ErrorBars("arrayminus"));
    }
}

/// <summary>A chart of a report page, read back from its "var data = [...]" and "var layout = {...}".</summary>
public sealed record ChartPanel(string Title, IReadOnlyList<ChartTrace> Traces, JsonElement Layout)
{
    public ChartTrace Trace(string name) => Traces.Single(t => t.Name == name);
    public IEnumerable<string> Names => Traces.Select(t => t.Name);
    public string? AxisType(string axis) => Layout.GetProperty(axis).TryGetProperty("type", out var t) ? t.GetString() : null;
    public double[] Range(string axis) => Layout.GetProperty(axis).GetProperty("range").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>Every chart of the page, in order.</summary>
    public static IReadOnlyList<ChartPanel> All(string html)
    {
        var data = Regex.Matches(html, @"var data = (\[.*?\]);\r?\n").Select(m => m.Groups[1].Value).ToList();
        var layouts = Regex.Matches(html, @"var layout = (\{.*?\});\r?\n").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(data.Count, layouts.Count);
        return data.Zip(layouts, (d, l) =>
        {
            var layout = JsonDocument.Parse(l).RootElement.Clone();
            var traces = JsonDocument.Parse(d).RootElement.Clone().EnumerateArray().Select(t => new ChartTrace(
                t.GetProperty("name").GetString()!,
                t.GetProperty("x").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? e.GetDouble().ToString(CultureInfo.InvariantCulture) : e.GetString()!).ToArray(),
                t.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray(), t)).ToList();
            string title = layout.GetProperty("title").GetProperty("text").GetString()!;
            return new ChartPanel(title, traces, layout);
        }).ToList();
    }

    public static ChartPanel Titled(string html, string titleStart) => All(html).Single(c => c.Title.StartsWith(titleStart, StringComparison.Ordinal));
}

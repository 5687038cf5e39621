using System.Text.Json;
using System.Text.RegularExpressions;

namespace Report.Tests;

/// <summary>The traces of the Plotly charts in a report page, read back from each chart's "var data = [...]".</summary>
public sealed record ChartTrace(string Name, double[] X, double[] Y)
{
    public static IReadOnlyList<IReadOnlyList<ChartTrace>> Charts(string html) =>
        Regex.Matches(html, @"var data = (\[.*?\]);\r?\n").Select(m => Parse(m.Groups[1].Value)).ToList();

    static IReadOnlyList<ChartTrace> Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(t => new ChartTrace(
            t.GetProperty("name").GetString()!,
            t.GetProperty("x").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            t.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray())).ToList();
    }
}

/// <summary>The axis ranges of each chart's layout ("var layout = {...}").</summary>
public static class ChartLayouts
{
    public static IReadOnlyList<(double[] X, double[] Y)> Ranges(string html) =>
        Regex.Matches(html, @"var layout = (\{.*?\});\r?\n").Select(m =>
        {
            using var doc = JsonDocument.Parse(m.Groups[1].Value);
            double[] R(string axis) => doc.RootElement.GetProperty(axis).GetProperty("range").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            return (R("xaxis"), R("yaxis"));
        }).ToList();
}

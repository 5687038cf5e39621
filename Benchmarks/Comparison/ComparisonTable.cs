using System.Globalization;

namespace Benchmarks.Comparison;

/// <summary>Prints the comparison as a Markdown table (readable in a terminal and in a CI job summary).</summary>
public static class ComparisonTable
{
    public static void Write(TextWriter w, IReadOnlyList<BenchmarkComparison> rows, double tscGHz)
    {
        var table = new List<string[]> { new[] { "Benchmark", "Baseline median", "Current median", "Ratio", "Verdict", "Evidence" } };
        foreach (var r in rows)
            table.Add([
                ShortName(r.Name),
                Time(r.BaselineMedian, tscGHz),
                Time(r.CurrentMedian, tscGHz),
                double.IsFinite(r.Ratio) ? r.Ratio.ToString("F3", CultureInfo.InvariantCulture) : "-",
                r.Verdict.ToString().ToLowerInvariant(),
                Evidence(r),
            ]);
        int[] widths = Enumerable.Range(0, table[0].Length).Select(c => table.Max(row => row[c].Length)).ToArray();
        for (int i = 0; i < table.Count; i++)
        {
            w.WriteLine("| " + string.Join(" | ", table[i].Select((cell, c) => cell.PadRight(widths[c]))) + " |");
            if (i == 0) w.WriteLine("|" + string.Join("|", widths.Select(x => new string('-', x + 2))) + "|");
        }
    }

    /// <summary>"Benchmarks.Suite.UrpcBenchmarks.RoundTrip" -> "UrpcBenchmarks.RoundTrip" (parameters kept).</summary>
    public static string ShortName(string fullName)
    {
        int paren = fullName.IndexOf('(');
        string head = paren < 0 ? fullName : fullName[..paren];
        string tail = paren < 0 ? "" : fullName[paren..];
        var parts = head.Split('.');
        return (parts.Length > 2 ? string.Join('.', parts[^2..]) : head) + tail;
    }

    static string Time(double ns, double tscGHz) =>
        !double.IsFinite(ns) ? "-"
        : tscGHz > 0 ? string.Create(CultureInfo.InvariantCulture, $"{ns:F2} ns ({ns * tscGHz:F0} cyc)")
        : string.Create(CultureInfo.InvariantCulture, $"{ns:F2} ns");

    static string Evidence(BenchmarkComparison r)
    {
        string e = double.IsNaN(r.PSlower)
            ? $"n={r.BaselineCount}/{r.CurrentCount}"
            : string.Create(CultureInfo.InvariantCulture, $"p(slower)={P(r.PSlower)} p(faster)={P(r.PFaster)} shift={r.Shift:+0.##;-0.##;0} ns n={r.BaselineCount}/{r.CurrentCount}");
        return r.Note.Length > 0 ? $"{e}; {r.Note}" : e;
    }

    static string P(double p) => p < 1e-4 ? p.ToString("0.0E+0", CultureInfo.InvariantCulture) : p.ToString("0.####", CultureInfo.InvariantCulture);
}

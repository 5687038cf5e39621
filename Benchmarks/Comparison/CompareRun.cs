using System.Globalization;
using Perfolizer.Mathematics.Common;
using Perfolizer.Metrology;

namespace Benchmarks.Comparison;

/// <summary>
/// The <c>compare</c> command: loads both sides, refuses results from different machines (unless allowed), compares
/// every common benchmark with <see cref="SampleComparer"/> and prints a table.
/// Exit codes: 0 nothing regressed beyond the threshold, 1 something did, 2 bad input.
/// </summary>
public static class CompareRun
{
    public const int ExitOk = 0, ExitRegression = 1, ExitBadInput = 2;
    /// <summary>The program itself failed (an exception no command turned into a verdict): neither a regression nor bad input.</summary>
    public const int ExitFailed = 4;

    /// <summary>Largest relative threshold: a gate that lets a benchmark become more than twice as slow is no gate.</summary>
    public const double MaxRelativePercent = 100;
    /// <summary>Largest absolute threshold, in nanoseconds (1 s).</summary>
    public const double MaxAbsoluteNs = 1e9;

    static readonly System.Text.RegularExpressions.Regex ThresholdText =
        new(@"^([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(%|ns|us|μs|ms|s)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Parses a threshold such as "5%" or "2ns" and checks its range (more than 0, at most
    /// <see cref="MaxRelativePercent"/>% or <see cref="MaxAbsoluteNs"/> ns); throws <see cref="FormatException"/> saying what is allowed.</summary>
    public static Threshold ParseThreshold(string text)
    {
        const string allowed = "use a relative threshold above 0% and at most 100% (such as 5%) or an absolute time above 0 and at most 1s (such as 2ns)";
        var m = ThresholdText.Match(text?.Trim() ?? "");
        if (!m.Success) throw new FormatException($"--threshold '{text}': not a threshold; {allowed}");
        double value = double.Parse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        string unit = m.Groups[2].Value;
        double ns = unit switch { "%" => double.NaN, "ns" => value, "us" or "μs" => value * 1e3, "ms" => value * 1e6, _ => value * 1e9 };
        bool inRange = unit == "%" ? value > 0 && value <= MaxRelativePercent : ns > 0 && ns <= MaxAbsoluteNs;
        if (!double.IsFinite(value) || !inRange) throw new FormatException($"--threshold '{text}': out of range; {allowed}");
        if (Threshold.TryParse(m.Value, out var t) && t != null) return t;
        throw new FormatException($"--threshold '{text}': not a threshold; {allowed}");
    }

    public static int Execute(CompareOptions options, TextWriter stdout, TextWriter stderr) => Execute(options, stdout, stderr, out _);

    public static int Execute(CompareOptions options, TextWriter stdout, TextWriter stderr, out ComparisonReport? report)
    {
        report = null;
        Threshold threshold;
        try { threshold = ParseThreshold(options.Threshold); }
        catch (FormatException e) { stderr.WriteLine($"error: {e.Message}"); return ExitBadInput; }
        if (!(options.Alpha > 0 && options.Alpha < 0.5))
        {
            stderr.WriteLine($"error: --alpha {options.Alpha}: the significance level must be between 0 and 0.5 (e.g. 0.05)");
            return ExitBadInput;
        }

        foreach (var (option, path) in new[] { ("--baseline", options.Baseline), ("--current", options.Current) })
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                stderr.WriteLine($"error: {option}: empty path; give a BenchmarkDotNet *-report-full.json or a folder holding them");
                return ExitBadInput;
            }
        }

        ResultSet baseline, current;
        try
        {
            baseline = ResultSet.Load(options.Baseline);
            current = ResultSet.Load(options.Current);
        }
        catch (ResultsInputException e) { stderr.WriteLine($"error: {e.Message}"); return ExitBadInput; }

        var machineDiff = baseline.Machine.MachineDifferences(current.Machine).ToList();
        if (machineDiff.Count > 0)
        {
            string what = $"baseline {options.Baseline} ran on {baseline.Machine.Describe()}; current {options.Current} ran on {current.Machine.Describe()} ({string.Join("; ", machineDiff)})";
            if (!options.AllowCrossMachine)
            {
                stderr.WriteLine($"error: results from different machines are not comparable: {what}. Measure both builds on one machine (run --against <revision>), or pass --allow-cross-machine to compare anyway.");
                return ExitBadInput;
            }
            stderr.WriteLine($"warning: comparing results from different machines (--allow-cross-machine): {what}; the verdicts mix machine and code differences");
        }
        foreach (var d in baseline.Machine.SoftwareDifferences(current.Machine))
            stderr.WriteLine($"warning: baseline and current differ in software: {d}");
        if (baseline.Meta is { } bm && current.Meta is { } cm && bm.Profile != cm.Profile)
            stderr.WriteLine($"warning: baseline ran profile '{bm.Profile}', current '{cm.Profile}'");

        var common = baseline.Benchmarks.Keys.Intersect(current.Benchmarks.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (common.Count == 0)
        {
            stderr.WriteLine($"error: no common benchmarks: baseline {options.Baseline} has [{string.Join(", ", baseline.Benchmarks.Keys)}], current {options.Current} has [{string.Join(", ", current.Benchmarks.Keys)}]");
            return ExitBadInput;
        }

        var comparer = new SampleComparer(threshold, new SignificanceLevel(options.Alpha));
        var rows = common.Select(n => comparer.Compare(n, baseline.Benchmarks[n].NanosecondsPerOp, current.Benchmarks[n].NanosecondsPerOp)).ToList();
        report = new ComparisonReport(rows,
            baseline.Benchmarks.Keys.Except(common).Order(StringComparer.Ordinal).ToList(),
            current.Benchmarks.Keys.Except(common).Order(StringComparer.Ordinal).ToList());

        double tscGHz = current.Meta?.TscGHz is > 0 ? current.Meta.TscGHz : baseline.Meta?.TscGHz ?? 0;
        stdout.WriteLine($"Baseline: {options.Baseline} ({baseline.Files.Count} report(s), {baseline.Machine.Describe()}{CommitOf(baseline)})");
        stdout.WriteLine($"Current:  {options.Current} ({current.Files.Count} report(s), {current.Machine.Describe()}{CommitOf(current)})");
        stdout.WriteLine($"Test: Perfolizer SimpleEquivalenceTest(MannWhitneyTest), threshold {threshold}, alpha {options.Alpha.ToString(CultureInfo.InvariantCulture)}, on per-operation Workload/Actual times");
        stdout.WriteLine();
        ComparisonTable.Write(stdout, rows, tscGHz);
        foreach (var n in report.OnlyInBaseline) stderr.WriteLine($"warning: {n} is only in the baseline; not compared");
        foreach (var n in report.OnlyInCurrent) stderr.WriteLine($"warning: {n} is only in the current results; not compared");
        foreach (var r in rows.Where(r => r.Verdict == Verdict.Unknown)) stderr.WriteLine($"warning: {r.Name}: verdict unknown: {r.Note}");
        int slower = rows.Count(r => r.Verdict == Verdict.Slower), faster = rows.Count(r => r.Verdict == Verdict.Faster);
        int same = rows.Count(r => r.Verdict == Verdict.Same), unknown = rows.Count(r => r.Verdict == Verdict.Unknown);
        stdout.WriteLine();
        stdout.WriteLine($"{slower} slower, {faster} faster, {same} same, {unknown} unknown: "
            + (report.Regressed ? $"REGRESSION beyond {threshold} (exit 1)" : $"no regression beyond {threshold} (exit 0)"));
        return report.ExitCode;
    }

    static string CommitOf(ResultSet s) => s.Meta is { Commit.Length: > 0 } m ? $", commit {m.Commit}" : "";
}

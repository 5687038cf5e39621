using System.Globalization;
using Perfolizer.Mathematics.Common;
using Perfolizer.Metrology;

namespace Benchmarks.Comparison;

/// <summary>What <c>compare</c> was asked to do.</summary>
public sealed record CompareOptions(string Baseline, string Current, string Threshold = "5%", double Alpha = 0.05, bool AllowCrossMachine = false);

/// <summary>The outcome of a comparison: one row per common benchmark, and the exit code it implies.</summary>
public sealed record ComparisonReport(IReadOnlyList<BenchmarkComparison> Rows, IReadOnlyList<string> OnlyInBaseline, IReadOnlyList<string> OnlyInCurrent)
{
    public bool Regressed => Rows.Any(r => r.Verdict == Verdict.Slower);
    public int ExitCode => Regressed ? CompareRun.ExitRegression : CompareRun.ExitOk;
}

/// <summary>
/// The <c>compare</c> command: loads both sides, refuses results from different machines (unless allowed), compares
/// every common benchmark with <see cref="SampleComparer"/> and prints a table.
/// Exit codes: 0 nothing regressed beyond the threshold, 1 something did, 2 bad input.
/// </summary>
public static class CompareRun
{
    public const int ExitOk = 0, ExitRegression = 1, ExitBadInput = 2;

    /// <summary>Parses a threshold such as "5%" or "2ns"; throws <see cref="FormatException"/> saying what is allowed.</summary>
    public static Threshold ParseThreshold(string text)
    {
        if (!string.IsNullOrWhiteSpace(text) && Threshold.TryParse(text.Trim(), out var t) && t != null) return t;
        throw new FormatException($"--threshold '{text}': not a threshold; use a relative one such as 5% or an absolute time such as 2ns");
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

namespace Benchmarks.Comparison;

/// <summary>The outcome of a comparison: one row per common benchmark, and the exit code it implies.</summary>
public sealed record ComparisonReport(IReadOnlyList<BenchmarkComparison> Rows, IReadOnlyList<string> OnlyInBaseline, IReadOnlyList<string> OnlyInCurrent)
{
    public bool Regressed => Rows.Any(r => r.Verdict == Verdict.Slower);
    public int ExitCode => Regressed ? CompareRun.ExitRegression : CompareRun.ExitOk;
}

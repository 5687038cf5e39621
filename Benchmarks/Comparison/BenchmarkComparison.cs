namespace Benchmarks.Comparison;

/// <summary>The comparison of one benchmark: medians, ratio, verdict and the evidence behind it.</summary>
/// <param name="PSlower">One-sided Mann-Whitney p-value for "current slower than baseline by more than the threshold".</param>
/// <param name="PFaster">One-sided Mann-Whitney p-value for "current faster than baseline by more than the threshold".</param>
/// <param name="Shift">Hodges-Lehmann shift estimate, current minus baseline (ns per op; NaN when not computed).</param>
public sealed record BenchmarkComparison(
    string Name,
    double BaselineMedian,
    double CurrentMedian,
    Verdict Verdict,
    int BaselineCount,
    int CurrentCount,
    double PSlower,
    double PFaster,
    double Shift,
    string Note)
{
    /// <summary>Current median / baseline median (above 1: slower).</summary>
    public double Ratio => CurrentMedian / BaselineMedian;
}

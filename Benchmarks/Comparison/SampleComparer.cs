using Perfolizer.Mathematics.Common;
using Perfolizer.Mathematics.Multimodality;
using Perfolizer.Mathematics.SignificanceTesting;
using Perfolizer.Mathematics.SignificanceTesting.Base;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;

namespace Benchmarks.Comparison;

/// <summary>The comparison of one benchmark: medians, ratio, verdict and the evidence behind it.</summary>
public sealed record BenchmarkComparison(
    string Name,
    double BaselineMedian,
    double CurrentMedian,
    Verdict Verdict,
    int BaselineCount,
    int CurrentCount,
    double PSlower,
    double PFaster,
    string Note)
{
    /// <summary>Current median / baseline median (above 1: slower).</summary>
    public double Ratio => CurrentMedian / BaselineMedian;
}

/// <summary>
/// Decides faster / slower / same / unknown for two samples of per-operation times with Perfolizer's equivalence
/// test: <c>SimpleEquivalenceTest(MannWhitneyTest)</c> at the given threshold and significance level, on the raw
/// measurements (not on means). "Slower" means the current build's times exceed the baseline's shifted by the
/// threshold with significance; "same" means neither one-sided test is significant. The evidence reported is the
/// two one-sided Mann-Whitney p-values (current slower / faster beyond the threshold) and the sample sizes.
/// <para>With fewer than <see cref="MinSamplesPerSide"/> measurements on a side, or sizes for which no outcome of
/// the rank test could reach the significance level, the verdict is "unknown" rather than a guess.</para>
/// </summary>
public sealed class SampleComparer(Threshold threshold, SignificanceLevel alpha)
{
    public const int MinSamplesPerSide = 5;

    public Threshold Threshold => threshold;
    public SignificanceLevel Alpha => alpha;

    public BenchmarkComparison Compare(string name, IReadOnlyList<double> baseline, IReadOnlyList<double> current)
    {
        double mb = Median(baseline), mc = Median(current);
        int nb = baseline.Count, nc = current.Count;
        if (nb < MinSamplesPerSide || nc < MinSamplesPerSide)
            return new BenchmarkComparison(name, mb, mc, Verdict.Unknown, nb, nc, double.NaN, double.NaN,
                $"too few measurements ({nb} baseline, {nc} current; need {MinSamplesPerSide} each)");
        if (MinimumOneSidedP(nb, nc) >= alpha.Value)
            return new BenchmarkComparison(name, mb, mc, Verdict.Unknown, nb, nc, double.NaN, double.NaN,
                $"with {nb} and {nc} measurements no rank test can reach p < {alpha.Value}");

        var x = new Sample(baseline.ToArray());
        var y = new Sample(current.ToArray());
        var result = new SimpleEquivalenceTest(MannWhitneyTest.Instance).Perform(x, y, threshold, alpha);
        // Evidence: the two one-sided tests the equivalence test rests on (baseline = x, current = y).
        double pSlower = MannWhitneyTest.Instance.GetPValue(y, x, AlternativeHypothesis.Greater, threshold);
        double pFaster = MannWhitneyTest.Instance.GetPValue(x, y, AlternativeHypothesis.Greater, threshold);
        var verdict = result switch
        {
            ComparisonResult.Lesser => Verdict.Slower,      // baseline times lesser: current slower
            ComparisonResult.Greater => Verdict.Faster,     // baseline times greater: current faster
            ComparisonResult.Indistinguishable => Verdict.Same,
            _ => Verdict.Unknown,
        };
        var notes = new List<string>();
        if (IsMultimodal(x)) notes.Add("baseline multimodal");
        if (IsMultimodal(y)) notes.Add("current multimodal");
        return new BenchmarkComparison(name, mb, mc, verdict, nb, nc, pSlower, pFaster, string.Join(", ", notes));
    }

    /// <summary>Smallest one-sided p-value an exact rank test can give for sizes n and m: 1 / C(n+m, n).</summary>
    public static double MinimumOneSidedP(int n, int m)
    {
        double c = 1;
        for (int i = 1; i <= Math.Min(n, m); i++) c = c * (Math.Max(n, m) + i) / i;
        return 1 / c;
    }

    static bool IsMultimodal(Sample s) =>
        s.Size >= 10 && s.Values.Max() > s.Values.Min() && LowlandModalityDetector.Instance.DetectModes(s).Modality > 1;

    static double Median(IReadOnlyList<double> v)
    {
        if (v.Count == 0) return double.NaN;
        var s = v.ToArray();
        Array.Sort(s);
        int n = s.Length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}

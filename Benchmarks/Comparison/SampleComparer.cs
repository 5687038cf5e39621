using Perfolizer.Mathematics.Common;
using Perfolizer.Mathematics.Multimodality;
using Perfolizer.Mathematics.SignificanceTesting;
using Perfolizer.Mathematics.SignificanceTesting.Base;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;
using Pragmastat.Estimators;

namespace Benchmarks.Comparison;

/// <summary>
/// Decides faster / slower / same / unknown for two samples of per-operation times with Perfolizer's equivalence
/// test: <c>SimpleEquivalenceTest(MannWhitneyTest)</c> at the given threshold and significance level, on the raw
/// measurements (not on means). "Slower" means the current build's times exceed the baseline's shifted by the
/// threshold with significance; "same" means neither one-sided test is significant. The evidence reported is the
/// two one-sided Mann-Whitney p-values (current slower / faster beyond the threshold) and the sample sizes.
/// <para>Perfolizer's equivalence test decides without a significance test when the Hodges-Lehmann shift exceeds ten
/// times the threshold. On a noisy machine a few wild iterations can produce such a shift while the rank test finds
/// nothing; in that case this comparer answers "unknown" (too noisy to decide) instead of "slower"/"faster", so that
/// every faster/slower verdict is backed by a significant one-sided Mann-Whitney test.</para>
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
        double mb = SampleSummary.MedianOf(baseline), mc = SampleSummary.MedianOf(current);
        int nb = baseline.Count, nc = current.Count;
        if (nb < MinSamplesPerSide || nc < MinSamplesPerSide)
            return new BenchmarkComparison(name, mb, mc, Verdict.Unknown, nb, nc, double.NaN, double.NaN, double.NaN,
                $"too few measurements ({nb} baseline, {nc} current; need {MinSamplesPerSide} each)");
        if (MinimumOneSidedP(nb, nc) >= alpha.Value)
            return new BenchmarkComparison(name, mb, mc, Verdict.Unknown, nb, nc, double.NaN, double.NaN, double.NaN,
                $"with {nb} and {nc} measurements no rank test can reach p < {alpha.Value}");

        var x = new Sample(baseline.ToArray());
        var y = new Sample(current.ToArray());
        var result = new SimpleEquivalenceTest(MannWhitneyTest.Instance).Perform(x, y, threshold, alpha);
        // Evidence: the two one-sided tests the equivalence test rests on (baseline = x, current = y).
        double pSlower = MannWhitneyTest.Instance.GetPValue(y, x, AlternativeHypothesis.Greater, threshold);
        double pFaster = MannWhitneyTest.Instance.GetPValue(x, y, AlternativeHypothesis.Greater, threshold);
        // The equivalence test's large-effect shortcut: |shift(x, y)| > 10 x the threshold's effective shift.
        double shift = ShiftEstimator.Instance.Estimate(x, y).NominalValue; // baseline minus current
        double effective = Math.Max(threshold.EffectiveShift(x), threshold.EffectiveShift(y));
        bool shortcut = Math.Abs(shift) > Math.Abs(effective) * 10;
        var notes = new List<string>();
        var verdict = result switch
        {
            ComparisonResult.Lesser => Verdict.Slower,      // baseline times lesser: current slower
            ComparisonResult.Greater => Verdict.Faster,     // baseline times greater: current faster
            ComparisonResult.Indistinguishable => Verdict.Same,
            _ => Verdict.Unknown,
        };
        double pVerdict = verdict == Verdict.Slower ? pSlower : verdict == Verdict.Faster ? pFaster : 0;
        if (shortcut && (verdict is Verdict.Slower or Verdict.Faster) && !(pVerdict < alpha.Value))
        {
            notes.Add($"too noisy: the shift estimate exceeds 10x the threshold ({verdict.ToString().ToLowerInvariant()} by Perfolizer's large-effect rule) but the rank test is not significant");
            verdict = Verdict.Unknown;
        }
        if (IsMultimodal(x)) notes.Add("baseline multimodal");
        if (IsMultimodal(y)) notes.Add("current multimodal");
        return new BenchmarkComparison(name, mb, mc, verdict, nb, nc, pSlower, pFaster, -shift, string.Join(", ", notes));
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
}

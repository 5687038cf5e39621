using Perfolizer.Mathematics.Common;
using Perfolizer.Mathematics.QuantileEstimators;
using Pragmastat;

namespace Experiments.Common;

/// <summary>Median of a sample with a 95% confidence interval for the median (Harrell-Davis, Perfolizer).</summary>
public readonly record struct SampleSummary(double Median, double CiLow, double CiHigh, int Count)
{
    public static SampleSummary Of(ReadOnlySpan<double> values)
    {
        if (values.Length == 0) throw new ArgumentException("cannot summarise an empty sample", nameof(values));
        var sorted = values.ToArray();
        Array.Sort(sorted);
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        if (n < 3 || sorted[0] == sorted[n - 1]) return new SampleSummary(median, sorted[0], sorted[n - 1], n);
        var ci = HarrellDavisQuantileEstimator.Instance
            .QuantileConfidenceIntervalEstimator(new Sample(sorted), 0.5)
            .ConfidenceInterval(ConfidenceLevel.L95);
        // The HD interval is centred on the HD estimate; clamp it to the observed range and make sure it holds the median.
        double lo = Math.Max(sorted[0], Math.Min(ci.Lower, median));
        double hi = Math.Min(sorted[n - 1], Math.Max(ci.Upper, median));
        return new SampleSummary(median, lo, hi, n);
    }
}

using Experiments.Common;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>Builds result rows from samples: median and 95% CI (Harrell-Davis), nanoseconds where the unit is cycles.</summary>
public sealed class RowFactory(string experiment)
{
    public ResultRow Cycles(string series, int cores, string param, string metric, ReadOnlySpan<double> samples, string verified, string note) =>
        Make(series, cores, param, metric, "cycles", samples, verified, note, toNs: true);

    public ResultRow Other(string series, int cores, string param, string metric, string unit, ReadOnlySpan<double> samples, string verified, string note) =>
        Make(series, cores, param, metric, unit, samples, verified, note, toNs: false);

    ResultRow Make(string series, int cores, string param, string metric, string unit, ReadOnlySpan<double> samples, string verified, string note, bool toNs)
    {
        var s = SampleSummary.Of(samples);
        return new ResultRow
        {
            Experiment = experiment,
            Series = series,
            Cores = cores,
            Param = param,
            Metric = metric,
            Unit = unit,
            Median = s.Median,
            CiLow = s.CiLow,
            CiHigh = s.CiHigh,
            MedianNs = toNs ? CycleClock.ToNanoseconds(s.Median) : double.NaN,
            Samples = s.Count,
            Verified = verified,
            Note = note,
        };
    }

    public static string Verdict(bool ok) => ok ? "pass" : "fail";
}

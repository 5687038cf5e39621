using Experiments.Common;

namespace IOWebserver;

/// <summary>Builds io-webserver result rows: the median and 95% CI over the per-repetition samples of one metric.</summary>
public static class Rows
{
    public static ResultRow Of(string series, int cores, string param, string metric, string unit, double[] samples, bool verified, string note) =>
        Summarised(series, cores, param, metric, unit, samples, verified ? "pass" : "fail", note);

    /// <summary>A metric that has no pass/fail check of its own (e.g. a tool's latency report).</summary>
    public static ResultRow Unchecked(string series, int cores, string param, string metric, string unit, double[] samples, string note) =>
        Summarised(series, cores, param, metric, unit, samples, "", note);

    static ResultRow Summarised(string series, int cores, string param, string metric, string unit, double[] samples, string verified, string note) =>
        ResultRow.Summarising(SampleSummary.Of(samples), IoSettings.ExperimentId, series, cores, param, metric, unit, double.NaN, verified, note);

    /// <summary>A metric of a series that ran but gave no sample of it: no number (NaN, 0 samples), the note says why.</summary>
    public static ResultRow Unmeasured(string series, int cores, string param, string metric, string unit, bool verified, string note) => new()
    {
        Experiment = IoSettings.ExperimentId, Series = series, Cores = cores, Param = param, Metric = metric, Unit = unit,
        Median = double.NaN, CiLow = double.NaN, CiHigh = double.NaN, MedianNs = double.NaN, Samples = 0, Verified = verified ? "pass" : "fail", Note = note,
    };

    /// <summary>A series that could not run here: no number, and the reason (with the fix) in the note.</summary>
    public static ResultRow Skipped(string series, int cores, string param, string metric, string unit, string reason) => new()
    {
        Experiment = IoSettings.ExperimentId, Series = series, Cores = cores, Param = param, Metric = metric, Unit = unit,
        Median = double.NaN, CiLow = double.NaN, CiHigh = double.NaN, Samples = 0, Verified = "", Note = "skipped: " + reason,
    };
}

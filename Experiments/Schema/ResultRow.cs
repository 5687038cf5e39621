using CsvHelper;

namespace Experiments.Schema;

/// <summary>
/// One measured point of an experiment: the row every experiment writes and the report reads.
/// A point is identified by (Experiment, Series, Cores, Param); its value is a median over samples
/// with a 95% confidence interval. Timings are in <see cref="Unit"/>; where the unit is cycles,
/// <see cref="MedianNs"/> carries the same median converted with the calibrated TSC frequency.
/// </summary>
[CsvRecord]
public sealed partial class ResultRow
{
    /// <summary>Experiment id, e.g. "fig1-shared-state", "fig3-tlb", "compute".</summary>
    public string Experiment { get; set; } = "";
    /// <summary>Curve name as in the paper where one exists, e.g. "SHM8", "MSG1", "Server", "CG/mk".</summary>
    public string Series { get; set; } = "";
    /// <summary>Number of cores taking part in this point.</summary>
    public int Cores { get; set; }
    /// <summary>Free-form point parameter, "key=value;key=value" (e.g. "lines=8", "class=S;bench=cg").</summary>
    public string Param { get; set; } = "";
    /// <summary>What was measured, e.g. "cycles_per_update", "seconds", "mops", "msgs_per_kcycle".</summary>
    public string Metric { get; set; } = "";
    /// <summary>Unit of Median/CiLow/CiHigh: "cycles", "ns", "s", "Mop/s", "msgs/kcycle", "req/s", ...</summary>
    public string Unit { get; set; } = "";
    public double Median { get; set; }
    public double CiLow { get; set; }
    public double CiHigh { get; set; }
    /// <summary>Median in nanoseconds where <see cref="Unit"/> is cycles; NaN otherwise.</summary>
    public double MedianNs { get; set; } = double.NaN;
    /// <summary>Number of samples the median was taken over (after warm-up was discarded).</summary>
    public int Samples { get; set; }
    /// <summary>"pass" / "fail" for verified computations, "" where verification does not apply.</summary>
    public string Verified { get; set; } = "";
    public string Note { get; set; } = "";

    /// <summary>
    /// The row of one point whose value is <paramref name="summary"/>: its median, 95% CI and sample count.
    /// <paramref name="medianNs"/> is the median in nanoseconds where the unit is cycles, NaN otherwise.
    /// </summary>
    public static ResultRow Summarising(SampleSummary summary, string experiment, string series, int cores, string param,
        string metric, string unit, double medianNs, string verified, string note) => new()
    {
        Experiment = experiment,
        Series = series,
        Cores = cores,
        Param = param,
        Metric = metric,
        Unit = unit,
        Median = summary.Median,
        CiLow = summary.CiLow,
        CiHigh = summary.CiHigh,
        MedianNs = medianNs,
        Samples = summary.Count,
        Verified = verified,
        Note = note,
    };
}

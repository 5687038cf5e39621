using CsvHelper;

namespace Benchmarks.History;

/// <summary>
/// One line of <c>Results/urpc-history.csv</c>: the median of one benchmark in one tracked run. The report plots
/// MedianNs / MedianCycles over Date per Benchmark, one series per Host, with the CI as error bars and the Verdict as a flag.
/// </summary>
[CsvRecord]
public sealed partial class HistoryRecord
{
    /// <summary>Commit the measured build came from (short hash; "-dirty" when the sources differed from it, see Experiments.Common.SourceRevision).</summary>
    public string Commit { get; set; } = "";
    /// <summary>UTC time the run finished, ISO 8601.</summary>
    public string Date { get; set; } = "";
    public string Host { get; set; } = "";
    public string Cpu { get; set; } = "";
    /// <summary>Short benchmark name, e.g. "UrpcBenchmarks.RoundTrip".</summary>
    public string Benchmark { get; set; } = "";
    /// <summary>Median time per operation (Workload/Actual measurements pooled over the run's rounds).</summary>
    public double MedianNs { get; set; }
    /// <summary>The same median in TSC cycles (NaN where the TSC frequency is unknown).</summary>
    public double MedianCycles { get; set; } = double.NaN;
    public int Samples { get; set; }
    /// <summary>Suite profile: "short" (CI) or "full".</summary>
    public string Profile { get; set; } = "";
    /// <summary>Cores the benchmark ran on, e.g. "0,1".</summary>
    public string Cores { get; set; } = "";
    /// <summary>The run's 95% confidence interval for MedianNs (Experiments.Schema.SampleSummary over the pooled
    /// measurements); NaN with fewer than SampleSummary.MinCountForCi measurements. Lines written before these columns
    /// existed read back as NaN.</summary>
    [CsvColumn(Optional = true)]
    public double CiLowNs { get; set; } = double.NaN;
    [CsvColumn(Optional = true)]
    public double CiHighNs { get; set; } = double.NaN;
    /// <summary>The same interval in TSC cycles (NaN where the TSC frequency or the interval is unknown).</summary>
    [CsvColumn(Optional = true)]
    public double CiLowCycles { get; set; } = double.NaN;
    [CsvColumn(Optional = true)]
    public double CiHighCycles { get; set; } = double.NaN;
    /// <summary>The comparer's final verdict on this benchmark in an A/B run (<c>run --against</c>; after a
    /// confirmation, the confirmation's): slower, faster, same or unknown; empty for a run without a baseline.</summary>
    [CsvColumn(Optional = true)]
    public string Verdict { get; set; } = "";
}

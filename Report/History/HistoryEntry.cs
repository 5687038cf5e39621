namespace Report.History;

/// <summary>
/// One line of the URPC latency history (Benchmarks/History/HistoryRecord: Results/urpc-history.csv, or the CI
/// workflow's bench-history branch): the median of one benchmark in one tracked run. The optional confidence
/// interval and the comparer's verdict are NaN / "" when the file does not carry them.
/// </summary>
public sealed record HistoryEntry(
    int Line,
    string Commit,
    DateTimeOffset Date,
    string Host,
    string Cpu,
    string Benchmark,
    double MedianNs,
    double MedianCycles,
    int Samples,
    string Profile,
    string Cores,
    double CiLowNs,
    double CiHighNs,
    double CiLowCycles,
    double CiHighCycles,
    string Verdict)
{
    /// <summary>Whether the comparer flagged this run as slower than its baseline.</summary>
    public bool FlaggedSlower => Verdict.Equals("slower", StringComparison.OrdinalIgnoreCase);
}

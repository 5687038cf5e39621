namespace Report.History;

/// <summary>
/// One run of one benchmark in the history as plotted: the value, its CI (NaN if the file has none), the band of the
/// runs before it, and its slot on the x axis: the short commit, with " (k)" for the k-th run of that commit in its
/// series (k &gt;= 2), so a commit tracked twice (a rerun, an A/B check) keeps both runs in date order.
/// </summary>
public sealed record HistoryPoint(HistoryEntry Entry, double Value, double CiLow, double CiHigh, double BandLow, double BandHigh, int BandRuns, string Slot)
{
    /// <summary>The short form of a commit as the CI history names runs.</summary>
    public static string ShortCommit(string commit) => commit.Length > 12 ? commit[..12] : commit;

    public bool HasBand => BandRuns > 0;
    /// <summary>Worse than every one of the previous runs the band is made of (slower, or lower throughput).</summary>
    public bool WorseThanBand(bool higherIsBetter) => HasBand && (higherIsBetter ? Value < BandLow : Value > BandHigh);
}

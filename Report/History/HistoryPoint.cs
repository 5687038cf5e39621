namespace Report.History;

/// <summary>One run of one benchmark in the history as plotted: the value, its CI (NaN if the file has none), and the band of the runs before it.</summary>
public sealed record HistoryPoint(HistoryEntry Entry, double Value, double CiLow, double CiHigh, double BandLow, double BandHigh, int BandRuns)
{
    public bool HasBand => BandRuns > 0;
    /// <summary>Worse than every one of the previous runs the band is made of (slower, or lower throughput).</summary>
    public bool WorseThanBand(bool higherIsBetter) => HasBand && (higherIsBetter ? Value < BandLow : Value > BandHigh);
}

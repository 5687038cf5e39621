namespace Report.History;

/// <summary>The runs of one host (and profile) for one benchmark, in date order.</summary>
public sealed record HistorySeries(string Name, IReadOnlyList<HistoryPoint> Points);

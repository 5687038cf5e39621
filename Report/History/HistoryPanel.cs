namespace Report.History;

/// <summary>
/// One benchmark's history: a series per host (and per profile where a host has several), each point with the band
/// of the previous <see cref="Window"/> runs of its series: their range (min to max), which a next run from the same
/// distribution falls outside with probability 2/(n+1) for n runs, so a point outside it stands out without a tuned
/// threshold. Values in cycles where every run has them, else in ns; throughput as messages per kcycle (or per µs).
/// </summary>
public sealed record HistoryPanel(string Benchmark, string YTitle, bool HigherIsBetter, IReadOnlyList<HistorySeries> Series)
{
    public const int Window = 20;
    public const int MinBandRuns = 5;

    public static IReadOnlyList<HistoryPanel> Of(IReadOnlyList<HistoryEntry> entries) =>
        entries.GroupBy(e => e.Benchmark).Select(g => Panel(g.Key, g.ToList())).ToList();

    static HistoryPanel Panel(string benchmark, IReadOnlyList<HistoryEntry> entries)
    {
        bool cycles = entries.All(e => double.IsFinite(e.MedianCycles) && e.MedianCycles > 0);
        bool throughput = benchmark.Contains("Throughput", StringComparison.OrdinalIgnoreCase);
        string title = throughput ? (cycles ? "Messages per kcycle" : "Messages per µs") : (cycles ? "Cycles per operation" : "ns per operation");
        double Value(double ns, double cyc) => throughput ? 1000.0 / (cycles ? cyc : ns) : cycles ? cyc : ns;
        bool manyProfiles = entries.GroupBy(e => e.Host).Any(h => h.Select(e => e.Profile).Distinct().Count() > 1);
        var series = entries
            .GroupBy(e => manyProfiles ? $"{e.Host} ({e.Profile})" : e.Host)
            .Select(g =>
            {
                var points = new List<HistoryPoint>();
                var runsOfCommit = new Dictionary<string, int>();
                var ordered = g.OrderBy(e => e.Date).ThenBy(e => e.Line).ToList();
                for (int i = 0; i < ordered.Count; i++)
                {
                    var e = ordered[i];
                    double v = Value(e.MedianNs, e.MedianCycles);
                    double lo = cycles ? Value(e.CiLowNs, e.CiLowCycles) : Value(e.CiLowNs, double.NaN);
                    double hi = cycles ? Value(e.CiHighNs, e.CiHighCycles) : Value(e.CiHighNs, double.NaN);
                    if (throughput) (lo, hi) = (hi, lo); // 1/x turns the interval round
                    var previous = points.Skip(Math.Max(0, points.Count - Window)).Select(p => p.Value).ToList();
                    bool band = previous.Count >= MinBandRuns;
                    string commit = HistoryPoint.ShortCommit(e.Commit);
                    int k = runsOfCommit[commit] = runsOfCommit.GetValueOrDefault(commit) + 1;
                    string slot = k == 1 ? commit : $"{commit} ({k})";
                    points.Add(new HistoryPoint(e, v, lo, hi, band ? previous.Min() : double.NaN, band ? previous.Max() : double.NaN, band ? previous.Count : 0, slot));
                }
                return new HistorySeries(g.Key, points);
            })
            .ToList();
        return new HistoryPanel(benchmark, title, throughput, series);
    }
}

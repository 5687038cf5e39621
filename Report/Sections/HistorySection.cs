using System.Globalization;
using Report.Charts;
using Report.History;
using Report.Html;

namespace Report.Sections;

/// <summary>
/// The URPC latency history (report --history FILE): one panel per benchmark with a point per tracked commit, the
/// band of the previous runs, the runs worse than that band and those the comparer flagged; a compact table of
/// the latest run per benchmark and host; every line of the file in the HTML.
/// </summary>
public static class HistorySection
{
    public static void Write(HtmlWriter w, IReadOnlyList<HistoryEntry> entries, string source, int width)
    {
        w.Open("section", "chapter", "urpc-history");
        w.H2("URPC latency history per commit (paper Tables 1-2's measurements, tracked by CI)");
        if (entries.Count == 0)
        {
            w.P($"{source}: the history holds no runs yet.");
            w.Close("section");
            return;
        }
        var commits = entries.Select(e => e.Commit).Distinct().Count();
        w.P($"Source: {source}: {entries.Count} medians of {commits} commit(s) on {string.Join(", ", entries.Select(e => e.Host).Distinct())}, "
            + $"{entries.Min(e => e.Date):yyyy-MM-dd} to {entries.Max(e => e.Date):yyyy-MM-dd}.", "muted folder");
        var panels = HistoryPanel.Of(entries);
        int half = (width - PageLayout.PanelGap) / 2;
        for (int i = 0; i < panels.Count; i += 2)
        {
            w.Open("div", "panel-row");
            foreach (var p in panels.Skip(i).Take(2))
                w.Raw($"<div class=\"panel\" data-panel=\"history|{HtmlWriter.Encode(p.Benchmark)}\">")
                    .Raw(PanelChart.ToHtml(HistoryChart.Build(p, panels.Count == 1 ? width : half))).Raw("</div>\n");
            w.Close("div");
        }
        // What the charts draw: a point's bar comes from its line's CI in the panel's unit (HistoryPanel), so count those.
        var points = panels.SelectMany(p => p.Series).SelectMany(x => x.Points).ToList();
        int withCi = points.Count(x => double.IsFinite(x.CiLow) && double.IsFinite(x.CiHigh));
        bool hasVerdicts = entries.Any(e => e.Verdict.Length > 0);
        w.Labelled("Measured:", "each point is one tracked run's median of the benchmark (BenchmarkDotNet's iterations pooled over the run's rounds), "
            + "in the order of the runs' dates; the x axis names the commit (a commit tracked again, by a rerun or an A/B check, gets its own slot, marked (2), (3), ...).", "caption");
        w.P(string.Join(" ", new[]
        {
            withCi == points.Count ? "Error bars: the run's 95% confidence interval."
                : withCi > 0 ? $"Error bars: the run's 95% confidence interval, for the {withCi} of {points.Count} runs whose line gives one in the panel's unit (CiLowNs/CiHighNs, or CiLowCycles/CiHighCycles in a cycles panel); the others have no bar (written by an older tracker, or from fewer than 6 measurements)."
                : "The file carries no confidence interval per run (no line has CiLowNs/CiHighNs or CiLowCycles/CiHighCycles: written by an older tracker, or from fewer than 6 measurements), so none is drawn.",
            $"Dotted grey lines: the range (lowest to highest) of the previous {HistoryPanel.Window} runs of the same series (one host; one host and profile where a host has runs of several profiles; from {HistoryPanel.MinBandRuns} runs on); "
            + "a run from the same distribution lands outside the range of n earlier runs with probability 2/(n+1) (about 10% for n = 20; 1/(n+1), about 5%, beyond the worse edge alone). "
            + "Ringed: runs worse than every run in that range.",
            hasVerdicts ? "Crossed: runs the comparer flagged as slower than their baseline (Verdict column)."
                : "The file records no comparer verdicts (no line has a Verdict: only A/B runs, run --against, record one), so the comparer's flags cannot be shown; the rings are computed here from the medians alone.",
        }), "muted");
        w.Table(["Benchmark", "Host", "Runs", "Latest commit", "Latest", "Range of the runs before it", "Worse than the range", "Flagged slower"],
            panels.SelectMany(p => p.Series.Select(s =>
            {
                var last = s.Points[^1];
                return (IReadOnlyList<string>)
                [
                    p.Benchmark, s.Name, s.Points.Count.ToString(CultureInfo.InvariantCulture), last.Slot,
                    $"{NumberText.Format(last.Value)} ({p.YTitle.ToLowerInvariant()})",
                    last.HasBand ? $"{NumberText.Format(last.BandLow)} to {NumberText.Format(last.BandHigh)} ({last.BandRuns} runs)" : "fewer than 5 earlier runs",
                    s.Points.Count(x => x.WorseThanBand(p.HigherIsBetter)).ToString(CultureInfo.InvariantCulture),
                    hasVerdicts ? s.Points.Count(x => x.Entry.FlaggedSlower).ToString(CultureInfo.InvariantCulture) : "not recorded",
                ];
            })), "compact");
        w.Raw("<details class=\"rows\"><summary>").Text($"All {entries.Count} lines of the history file").Raw("</summary>\n");
        w.Table(["Line", "Commit", "Date", "Host", "Benchmark", "Median ns", "Median cycles", "Samples", "Profile", "Cores", "Verdict"],
            entries.Select(e => (IReadOnlyList<string>)
            [
                e.Line.ToString(CultureInfo.InvariantCulture), e.Commit, e.Date.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), e.Host, e.Benchmark,
                NumberText.Format(e.MedianNs), NumberText.Format(e.MedianCycles), e.Samples.ToString(CultureInfo.InvariantCulture), e.Profile, e.Cores, e.Verdict,
            ]), "compact");
        w.Raw("</details>\n");
        w.Close("section");
    }
}

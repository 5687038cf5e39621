using Experiments.Common;
using Npb;

namespace Compute.Sweep;

/// <summary>
/// Turns the runs of one sweep point into result rows: seconds (NPB's timed region), Mop/s (NPB's operation count)
/// and speedup versus the same series at one core, each a median with a 95% CI over the repetitions. A point with
/// any run that failed verification gets rows with Verified=fail and NaN values, so it can never be read as a timing.
/// </summary>
public static class PointRows
{
    public const string Experiment = "compute";

    /// <param name="oneCoreSeconds">Median seconds of the same series at one core, if that point verified (for a
    /// one-core point itself, its own median is used).</param>
    public static List<ResultRow> From(SweepPoint p, IReadOnlyList<NpbResult> runs, double? oneCoreSeconds)
    {
        var rows = new List<ResultRow>();
        var failed = runs.Where(r => !r.Verified).ToList();
        if (failed.Count > 0)
        {
            string note = $"verification failed in {failed.Count} of {runs.Count} runs: {failed[0].Detail}";
            rows.Add(Row(p, "seconds", "s", null, runs.Count, "fail", note));
            rows.Add(Row(p, "mops", "Mop/s", null, runs.Count, "fail", note));
            return rows;
        }

        var seconds = SampleSummary.Of(runs.Select(r => r.Seconds).ToArray());
        var mops = SampleSummary.Of(runs.Select(r => r.Mops).ToArray());
        string detail = runs[^1].Detail;
        rows.Add(Row(p, "seconds", "s", seconds, runs.Count, "pass", detail));
        rows.Add(Row(p, "mops", "Mop/s", mops, runs.Count, "pass", detail));
        if ((oneCoreSeconds ?? (p.Cores == 1 ? seconds.Median : null)) is double t1)
        {
            // Speedup = t(1 core) / t(n cores); the interval maps the n-core interval, taking t(1) as exact.
            var speedup = new SampleSummary(t1 / seconds.Median, t1 / seconds.CiHigh, t1 / seconds.CiLow, seconds.Count);
            rows.Add(Row(p, "speedup", "x", speedup, runs.Count, "pass", $"vs median at 1 core = {t1:G6} s"));
        }
        return rows;
    }

    static ResultRow Row(SweepPoint p, string metric, string unit, SampleSummary? s, int samples, string verified, string note) => new()
    {
        Experiment = Experiment,
        Series = p.Series,
        Cores = p.Cores,
        Param = p.Param,
        Metric = metric,
        Unit = unit,
        Median = s?.Median ?? double.NaN,
        CiLow = s?.CiLow ?? double.NaN,
        CiHigh = s?.CiHigh ?? double.NaN,
        MedianNs = double.NaN,
        Samples = samples,
        Verified = verified,
        Note = note,
    };
}

using Experiments.Common;

namespace Compute.Sweep;

/// <summary>
/// Turns a measured point into result rows: seconds (the benchmark's timed region), Mop/s where the benchmark counts
/// operations (NPB), and speedup versus the same series at one core, each a median with a 95% CI over the repetitions;
/// each row's note ends with the point's run order, where it has one.
/// A point that failed a check gets rows with Verified=fail and NaN values, so it can never be read as a timing.
/// </summary>
public static class PointRows
{
    public const string Experiment = "compute";

    /// <param name="oneCoreSeconds">Median seconds of the same series at one core, if that point verified (for a
    /// one-core point itself, its own median is used).</param>
    public static List<ResultRow> From(SweepPoint p, PointOutcome outcome, double? oneCoreSeconds)
    {
        var rows = new List<ResultRow>();
        string order = outcome.Order is { } o ? $"; {o}" : "";
        int samples = outcome.Seconds.Count;
        if (!outcome.Verified || samples == 0)
        {
            string note = (outcome.Verified ? "no timed run" : outcome.Note) + order;
            rows.Add(Row(p, "seconds", "s", null, samples, "fail", note));
            if (outcome.Mops is not null) rows.Add(Row(p, "mops", "Mop/s", null, samples, "fail", note));
            return rows;
        }

        var seconds = SampleSummary.Of(outcome.Seconds.ToArray());
        rows.Add(Row(p, "seconds", "s", seconds, samples, "pass", outcome.Note + order));
        if (outcome.Mops is { } mops) rows.Add(Row(p, "mops", "Mop/s", SampleSummary.Of(mops.ToArray()), samples, "pass", outcome.Note + order));
        if ((oneCoreSeconds ?? (p.Cores == 1 ? seconds.Median : null)) is double t1)
        {
            // Speedup = t(1 core) / t(n cores); the interval maps the n-core interval, taking t(1) as exact.
            var speedup = new SampleSummary(t1 / seconds.Median, t1 / seconds.CiHigh, t1 / seconds.CiLow, seconds.Count);
            rows.Add(Row(p, "speedup", "x", speedup, samples, "pass", $"vs median at 1 core = {t1:G6} s{order}"));
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

using System.Globalization;
using Compute.Runtimes;
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

    /// <summary>The metric of the paired rows: mk's time over a host runtime's in the same repetition.</summary>
    public const string TimeRatio = "time_ratio";

    /// <summary>The Param key that names the host runtime a paired row divides by.</summary>
    public const string OverKey = "over";

    /// <summary>
    /// The paired comparison of a group (one benchmark at one core count, its runtimes interleaved repetition by
    /// repetition): for each host runtime h, a row <c>{bench}/mk</c> with Param <c>...;over=h</c>, Metric
    /// <see cref="TimeRatio"/>, whose samples are mk's seconds over h's in each repetition where both ran, run in
    /// the same round of the interleaved order, so a drift of the machine between rounds falls on both sides of each
    /// ratio; the row's median and 95% CI are of those per-repetition ratios (no CI under
    /// <see cref="SampleSummary.MinCountForCi"/>). None where mk or h failed a run at this point (their rows say
    /// <c>fail</c>), and none without mk.
    /// <para>Invariant: <paramref name="byRepetition"/>[i][r] is runtime i's verified seconds in repetition r, NaN where
    /// it has none; <paramref name="failures"/>[i] is non-null when runtime i failed at this point.</para>
    /// </summary>
    public static List<ResultRow> PairedRatios(ComputeBench bench, int cores, IReadOnlyList<RuntimeKind> kinds, double[][] byRepetition, string?[] failures)
    {
        var rows = new List<ResultRow>();
        int mk = -1;
        for (int i = 0; i < kinds.Count; i++)
            if (kinds[i] == RuntimeKind.Mk) mk = i;
        if (mk < 0 || failures[mk] is not null) return rows;
        for (int h = 0; h < kinds.Count; h++)
        {
            if (h == mk || failures[h] is not null) continue;
            var ratios = new List<double>();
            for (int r = 0; r < byRepetition[mk].Length; r++)
                if (double.IsFinite(byRepetition[mk][r]) && double.IsFinite(byRepetition[h][r]) && byRepetition[h][r] > 0)
                    ratios.Add(byRepetition[mk][r] / byRepetition[h][r]);
            if (ratios.Count == 0) continue;
            var s = SampleSummary.Of(ratios.ToArray());
            string host = RuntimeFactory.NameOf(kinds[h]);
            var point = new SweepPoint(bench, kinds[mk], cores);
            string ci = double.IsNaN(s.CiLow)
                ? $"too few for a 95% CI ({SampleSummary.MinCountForCi} needed)"
                : $"95% CI {SampleSummary.IntervalText(s.CiLow, s.CiHigh, "0.000")}";
            string note = string.Create(CultureInfo.InvariantCulture,
                $"paired: mk's seconds over {host}'s in the same repetition (the two ran in the same round of the interleaved order), median over {ratios.Count} repetition(s) of those ratios, {ci}; below 1: mk faster; ratios {string.Join(", ", ratios.Select(x => x.ToString("0.000", CultureInfo.InvariantCulture)))}");
            var row = Row(point, TimeRatio, "x", s, ratios.Count, "pass", note);
            row.Param = $"{bench.Param};{OverKey}={host}";
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>How a progress line names a row: its series, and for a paired row the runtime it divides by ("RADIOSITY/mk over pinned").</summary>
    public static string Label(ResultRow r)
    {
        string key = $";{OverKey}=";
        int i = r.Metric == TimeRatio ? r.Param.LastIndexOf(key, StringComparison.Ordinal) : -1;
        return i < 0 ? r.Series : $"{r.Series} over {r.Param[(i + key.Length)..]}";
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

using System.Globalization;

namespace Fig3.TlbShootdown;

/// <summary>
/// Builds fig3-tlb result rows: median and 95% CI (Harrell-Davis) over the per-repetition samples, in cycles and
/// nanoseconds. Metric <see cref="ShootdownMetric"/> marks a paper Fig 6 row, <see cref="UnmapMetric"/> a Fig 7 row (the
/// report draws every Metric starting with "unmap" as Fig 7). Given which repetitions the OS disturbed (the measuring thread descheduled during its timed phase),
/// the note says how many and gives the median of the undisturbed samples beside the main one, which keeps every sample;
/// where the run does not track it, the note says so.
/// </summary>
public static class RowFactory
{
    public const string ShootdownMetric = "cycles";
    public const string UnmapMetric = "unmap_cycles";

    /// <summary>
    /// The row of one latency series. A series without a sample (its run failed before one batch of it ended) has no
    /// value: NaN, no samples, and the failure.
    /// </summary>
    public static ResultRow Latency(string series, int cores, string param, string metric, LatencySamples m, string what)
    {
        if (m.Cycles.Length == 0 && m.Failure == null) throw new ArgumentException("a series whose run passed its checks has samples", nameof(m));
        var s = m.Cycles.Length == 0 ? new SampleSummary(double.NaN, double.NaN, double.NaN, 0) : SampleSummary.Of(m.Cycles);
        string note = (m.Failure == null ? "" : $"CHECK FAILED: {m.Failure}; ") + what + "; checks: " + m.Facts + "; " + DisturbanceNote(m.Cycles, m.Disturbed);
        return ResultRow.Summarising(s, Fig3Settings.ExperimentId, series, cores, param, metric, "cycles",
            CycleClock.ToNanoseconds(s.Median), m.Verified ? "pass" : "fail", note);
    }

    /// <summary>
    /// A Linux baseline's TLB-shootdown interrupts per other core per page-table-changing call (one value for the whole
    /// point, from /proc/interrupts): about 1 where the kernel shot the other cores' TLBs down by IPI, as on bare metal;
    /// well below 1 where a hypervisor's paravirtual flush spared them. The count belongs to <paramref name="run"/> and
    /// has its verdict: a run whose checks failed (e.g. a toucher stopped reading) is no reading of the baseline.
    /// </summary>
    public static ResultRow ShootdownInterrupts(string series, int cores, string param, LatencySamples run, string call)
    {
        double perCall = run.ShootdownInterruptsPerCall ?? throw new ArgumentException("the run has no TLB-shootdown interrupt count", nameof(run));
        return SingleValue(series, cores, param, ShootdownInterruptMetrics.PerCall, "interrupts", perCall, 1, run.Verified,
            (run.Failure == null ? "" : $"CHECK FAILED: {run.Failure}; ") +
            $"TLB-shootdown interrupts each other core received per page-table-changing {call} call during the point, averaged over the {cores - 1} other core(s) " +
            "(/proc/interrupts, which counts interrupts from every process, so an upper bound for this one's); about 1 where every call shot their TLBs down by IPI");
    }

    /// <summary>
    /// A row of bytes allocated per operation (one value: the total over every timed operation divided by their number),
    /// from a run that completed: an invocation that fails throws, so no row is made for it.
    /// </summary>
    public static ResultRow Allocation(string series, int cores, string param, double bytesPerOp, int samples, string note) =>
        SingleValue(series, cores, param, "allocated_bytes_per_op", "bytes", bytesPerOp, samples, verified: true, note);

    /// <summary>A row that is one value, not a median over samples (its CI is the value itself).</summary>
    static ResultRow SingleValue(string series, int cores, string param, string metric, string unit, double value, int samples, bool verified, string note) =>
        ResultRow.Summarising(new SampleSummary(value, value, value, samples), Fig3Settings.ExperimentId, series, cores, param, metric, unit,
            double.NaN, verified ? "pass" : "fail", note);

    static string DisturbanceNote(double[] samples, bool[]? disturbed)
    {
        if (disturbed == null) return "OS disturbance: not tracked (this loop does not watch whether the OS descheduled its thread)";
        int hit = disturbed.Count(d => d);
        string head = $"OS disturbance: the measuring thread was descheduled in {hit} of {disturbed.Length} repetitions";
        if (hit == 0 || hit == disturbed.Length) return head;
        var clean = samples.Where((_, i) => !disturbed[i]).ToArray();
        var c = SampleSummary.Of(clean);
        return string.Create(CultureInfo.InvariantCulture, $"{head}; median of the {c.Count} undisturbed samples: {c.Median:0.#} cycles {SampleSummary.IntervalText(c.CiLow, c.CiHigh, "0.#")}");
    }
}

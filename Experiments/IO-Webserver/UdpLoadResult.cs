namespace IOWebserver;

/// <summary>What one load run saw. Every reply is checked: right length, right flow, next sequence of its flow, payload intact.</summary>
public sealed class UdpLoadResult
{
    public long Sent { get; init; }
    public long Received { get; init; }
    public long OutOfOrder { get; init; }
    public long Corrupt { get; init; }
    /// <summary>From the first send to the last reply.</summary>
    public double Seconds { get; init; }
    /// <summary>
    /// Round-trip times (ns): every reply's while each generator thread's replies fit its share of
    /// <see cref="UdpLoadSettings.LatencySamples"/>; beyond that a uniform sample of at most that many over the whole run
    /// (each thread keeps a <see cref="LatencyReservoir"/> of its share, and the run takes from each in proportion to the
    /// replies it saw: <see cref="LatencyReservoir.Merge"/>). Not in arrival order.
    /// </summary>
    public required double[] LatencyNs { get; init; }
    public long Lost => Sent - Received;
    public bool Clean => Lost == 0 && OutOfOrder == 0 && Corrupt == 0 && Received > 0;
    public double PacketsPerSecond => Seconds > 0 ? Received / Seconds : 0;

    /// <summary>
    /// The <paramref name="q"/>-quantile of the round trips (0 &lt;= q &lt;= 1), interpolated between the two nearest
    /// ranks (h = (n - 1) q), so that q = 0.5 is the suite's one median (the mean of the two middle values of an even
    /// count, Experiments.Schema.SampleSummary); NaN without samples.
    /// </summary>
    public double Percentile(double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1.0);
        if (LatencyNs.Length == 0) return double.NaN;
        var sorted = (double[])LatencyNs.Clone();
        Array.Sort(sorted);
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        return lo + 1 < sorted.Length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
    }

    public string Describe() =>
        $"sent {Sent}, received {Received}, lost {Lost}, out of order {OutOfOrder}, corrupt {Corrupt} in {Seconds:0.000} s";
}

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
    /// <summary>Round-trip time of each reply (ns), in arrival order; at most <see cref="UdpLoadGenerator.MaxLatencySamples"/>.</summary>
    public required double[] LatencyNs { get; init; }
    public long Lost => Sent - Received;
    public bool Clean => Lost == 0 && OutOfOrder == 0 && Corrupt == 0 && Received > 0;
    public double PacketsPerSecond => Seconds > 0 ? Received / Seconds : 0;

    public double Percentile(double q)
    {
        if (LatencyNs.Length == 0) return double.NaN;
        var sorted = (double[])LatencyNs.Clone();
        Array.Sort(sorted);
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(q * sorted.Length))];
    }

    public string Describe() =>
        $"sent {Sent}, received {Received}, lost {Lost}, out of order {OutOfOrder}, corrupt {Corrupt} in {Seconds:0.000} s";
}

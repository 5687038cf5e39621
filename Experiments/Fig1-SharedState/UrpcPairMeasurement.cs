namespace Fig1.SharedState;

/// <summary>URPC latency and throughput between one pair of cores, measured by two dispatchers.</summary>
public sealed class UrpcPairMeasurement : CheckedOutcome
{
    /// <summary>Round-trip cycles per message pair, one sample per repetition (pinger's clock only).</summary>
    public required double[] RoundTrip { get; init; }
    /// <summary>
    /// One-way cycles per repetition: the mean of the A-to-B and B-to-A latencies stamped with the sender's TSC and
    /// read with the receiver's. A constant offset between the two cores' TSCs adds to one direction and subtracts
    /// from the other, so the mean of both is free of it.
    /// </summary>
    public required double[] OneWay { get; init; }
    public required double[] OneWayAToB { get; init; }
    public required double[] OneWayBToA { get; init; }
    /// <summary>Messages per 1000 cycles received in a stream, one sample per repetition.</summary>
    public required double[] MsgsPerKcycle { get; init; }
    /// <summary>Per repetition of the latency phase: was the pinger or ponger descheduled by the OS.</summary>
    public required bool[] LatencyDisturbed { get; init; }
    /// <summary>Per repetition of the stream phase: was the sender or receiver descheduled by the OS.</summary>
    public required bool[] StreamDisturbed { get; init; }
}

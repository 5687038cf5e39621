namespace Fig1.SharedState;

/// <summary>What one side of the pair benchmark measured: per repetition, a latency sample, a second sample
/// (pinger: round trip; ponger: stream rate), and whether its thread was descheduled in each phase.</summary>
public sealed class PairSideReport
{
    public required double[] Latency { get; init; }
    public required double[] Other { get; init; }
    public required bool[] DisturbedLatency { get; init; }
    public required bool[] DisturbedStream { get; init; }
    public string? Failure { get; init; }
}

namespace Fig3.TlbShootdown;

/// <summary>
/// What one workload run produced: one latency sample (cycles) per repetition, which repetitions the OS disturbed
/// (the measuring thread was descheduled during the timed phase), and the outcome of the run's correctness checks
/// (<see cref="Failure"/> is null when every check passed). <see cref="Facts"/> says what was checked and seen.
/// </summary>
public sealed class LatencySamples
{
    public required double[] Cycles { get; init; }
    public required bool[] Disturbed { get; init; }
    public string? Failure { get; init; }
    public required string Facts { get; init; }
    public bool Verified => Failure == null;
}

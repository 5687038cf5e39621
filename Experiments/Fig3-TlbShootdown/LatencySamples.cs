namespace Fig3.TlbShootdown;

/// <summary>
/// What one workload run produced: one latency sample (cycles) per repetition, which repetitions the OS disturbed
/// (the measuring thread was descheduled during the timed phase), and the outcome of the run's correctness checks
/// (<see cref="Failure"/> is null when every check passed). <see cref="Facts"/> says what was checked and seen.
/// </summary>
public sealed class LatencySamples
{
    public required double[] Cycles { get; init; }
    /// <summary>Per repetition, whether the OS descheduled the measuring thread in its timed phase; null where the loop does not watch for it.</summary>
    public required bool[]? Disturbed { get; init; }
    public string? Failure { get; init; }
    public required string Facts { get; init; }
    /// <summary>
    /// Linux baselines: the TLB-shootdown interrupts each other core received per page-table-changing call, averaged
    /// over those cores (/proc/interrupts, from any process); null where there is no other core or no count.
    /// </summary>
    public double? ShootdownInterruptsPerCall { get; init; }
    public bool Verified => Failure == null;
}

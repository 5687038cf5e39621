namespace Fig3.TlbShootdown;

/// <summary>
/// How much work one point does: <see cref="Repetitions"/> repetitions, each of <see cref="Warmup"/> untimed
/// operations followed by <see cref="Iterations"/> timed ones (a shootdown, an unmap, an mprotect or a munmap).
/// One sample is the median latency of one repetition's timed operations.
/// </summary>
public readonly record struct SweepSize(int Iterations, int Repetitions, int Warmup)
{
    /// <summary>The sizes of the three profiles (timed operations per repetition, and repetitions per point) and the ranges the command line allows.</summary>
    public static readonly SweepProfiles Profiles = new(Quick: (200, 11), Default: (1_000, 101), Full: (2_000, 301), MinIterations: 10, MaxIterations: 10_000_000, MaxRepetitions: 10_000);

    public static SweepSize For(int iterations, int repetitions) =>
        new(iterations, repetitions, Math.Max(20, iterations / 10));

    public long OpsPerRepetition => Iterations + Warmup;
    public long TotalOps => Repetitions * OpsPerRepetition;
}

using Experiments.Common;

namespace Fig1.SharedState;

/// <summary>
/// How much work one point does: each measuring thread (or client) runs <see cref="Repetitions"/> timed phases of
/// <see cref="Iterations"/> operations, each preceded by <see cref="Warmup"/> untimed operations. One sample is the
/// mean cost per operation of one thread's timed phase.
/// </summary>
public readonly record struct SweepSize(int Iterations, int Repetitions, int Warmup)
{
    /// <summary>The sizes of the three profiles (timed ops per thread per repetition, and repetitions) and the ranges the command line allows.</summary>
    public static readonly SweepProfiles Profiles = new(Quick: (1_000, 15), Default: (2_000, 151), Full: (10_000, 501), MinIterations: 10, MaxIterations: 100_000_000, MaxRepetitions: 10_000);

    public static SweepSize For(int iterations, int repetitions) =>
        new(iterations, repetitions, Math.Max(50, iterations / 10));

    public long OpsPerThread => (long)Repetitions * (Iterations + Warmup);
}

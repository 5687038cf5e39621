namespace Fig1.SharedState;

/// <summary>
/// How much work one point does: each measuring thread (or client) runs <see cref="Repetitions"/> timed phases of
/// <see cref="Iterations"/> operations, each preceded by <see cref="Warmup"/> untimed operations. One sample is the
/// mean cost per operation of one thread's timed phase.
/// </summary>
public readonly record struct SweepSize(int Iterations, int Repetitions, int Warmup)
{
    public static SweepSize For(int iterations, int repetitions) =>
        new(iterations, repetitions, Math.Max(50, iterations / 10));

    public long OpsPerThread => (long)Repetitions * (Iterations + Warmup);
}

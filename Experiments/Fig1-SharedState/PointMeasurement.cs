namespace Fig1.SharedState;

/// <summary>
/// What one workload run produced: samples of cycles per operation laid out participant by participant
/// (sample <c>p * Repetitions + r</c> is participant p's repetition r), which repetitions the OS disturbed, and the
/// outcome of its correctness check (<see cref="Failure"/> is null when every counter and reply was as expected).
/// </summary>
public sealed class PointMeasurement : CheckedOutcome
{
    public required double[] CyclesPerOp { get; init; }
    /// <summary>Per repetition: was any measuring thread descheduled by the OS during its timed phase.</summary>
    public required bool[] RepetitionDisturbed { get; init; }
    /// <summary>Racy workloads only (plain SHM on several cores): the fraction of planned updates the lines do not show.</summary>
    public double LostUpdates { get; init; }

    /// <summary>Folds one flag per (thread, repetition), at <c>thread * reps + rep</c>, into one flag per repetition.</summary>
    public static bool[] PerRepetition(bool[] perThreadRep, int reps)
    {
        var any = new bool[reps];
        for (int i = 0; i < perThreadRep.Length; i++) any[i % reps] |= perThreadRep[i];
        return any;
    }
}

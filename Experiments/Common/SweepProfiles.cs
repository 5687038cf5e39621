namespace Experiments.Common;

/// <summary>
/// A sweep program's sizes: timed operations per repetition and repetitions for each of the three profiles
/// ("quick", "default", "full"), and the range --iterations and --repetitions accept. The numbers belong to the
/// program (each declares one of these); <see cref="SweepSizeOptions"/> turns them into its command line.
/// </summary>
public sealed record SweepProfiles(
    (int Iterations, int Repetitions) Quick, (int Iterations, int Repetitions) Default, (int Iterations, int Repetitions) Full,
    int MinIterations, int MaxIterations, int MaxRepetitions)
{
    /// <summary>The size of the profile named <paramref name="profile"/> ("quick", "default" or "full").</summary>
    public (int Iterations, int Repetitions) this[string profile] => profile switch
    {
        "quick" => Quick,
        "default" => Default,
        "full" => Full,
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "profiles: quick, default, full"),
    };
}

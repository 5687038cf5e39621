namespace Experiments.Common;

/// <summary>
/// What a sweep program's shared options chose (<see cref="SweepCommandLine.Chosen"/>): the cores in order, the run
/// folder, the profile ("quick", "default" or "full") and the size, timed operations per repetition and repetitions.
/// </summary>
public sealed record SweepChoice(int[] Cores, string OutDir, string Profile, int Iterations, int Repetitions);

using Compute.Runtimes;
using Npb;

namespace Compute.Cli;

/// <summary>A validated compute experiment: benchmarks, NPB class, cores, runtimes, repetitions, profile and where results go.</summary>
public sealed record ComputeSettings(
    IReadOnlyList<string> Benchmarks,
    ProblemClass Class,
    IReadOnlyList<int> Cores,
    IReadOnlyList<RuntimeKind> Runtimes,
    int Repetitions,
    string OutDir,
    string Profile)
{
    /// <summary>The experiment's folder: OutDir/compute.</summary>
    public string ExperimentDir => Path.Combine(OutDir, "compute");
}

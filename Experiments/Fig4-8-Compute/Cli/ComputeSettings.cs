using Compute.Runtimes;
using Npb;

namespace Compute.Cli;

/// <summary>A validated compute experiment: which benchmarks, class, cores, runtimes, repetitions, and where results go.</summary>
public sealed record ComputeSettings(
    IReadOnlyList<string> Benchmarks,
    ProblemClass Class,
    IReadOnlyList<int> Cores,
    IReadOnlyList<RuntimeKind> Runtimes,
    int Repetitions,
    string OutDir,
    bool Quick)
{
    /// <summary>The experiment's folder: OutDir/compute.</summary>
    public string ExperimentDir => Path.Combine(OutDir, "compute");
}

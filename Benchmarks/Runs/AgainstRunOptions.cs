using Benchmarks.Suite;

namespace Benchmarks.Runs;

/// <summary>What <c>run --against REV</c> does.</summary>
public sealed record AgainstRunOptions(
    string Revision, int Rounds, SuiteProfile Profile, string? Filter, BenchmarkCores Cores, string OutDir,
    string Threshold, double Alpha, long PlantCurrentDelayCycles, string? HistoryPath, int ConfirmRounds = 0, string? BaselineBuild = null);

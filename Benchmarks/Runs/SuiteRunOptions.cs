using Benchmarks.Suite;

namespace Benchmarks.Runs;

/// <summary>What <c>run</c> (without --against) does.</summary>
public sealed record SuiteRunOptions(SuiteProfile Profile, string? Filter, BenchmarkCores Cores, string OutDir, string? HistoryPath);

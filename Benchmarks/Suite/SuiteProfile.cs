namespace Benchmarks.Suite;

/// <summary>How long the suite measures: the full profile for reported numbers, the short one for CI.</summary>
public enum SuiteProfile { Full, Short }

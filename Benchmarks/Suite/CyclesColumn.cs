using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Benchmarks.Suite;

/// <summary>Median cycles per operation.</summary>
public sealed class CyclesColumn() : SuiteColumn("UrpcCycles", "Median cycles", "Median time per operation in TSC cycles")
{
    public override string GetValue(Summary summary, BenchmarkCase c) => MedianCycles(summary, c) is double v ? v.ToString("F1") : "-";
}

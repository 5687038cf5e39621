using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Multikernel.Hardware;

namespace Benchmarks.Suite;

/// <summary>Base for the suite's read-only custom columns.</summary>
public abstract class SuiteColumn(string id, string name, string legend) : IColumn
{
    public string Id => id;
    public string ColumnName => name;
    public string Legend => legend;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    public abstract string GetValue(Summary summary, BenchmarkCase benchmarkCase);

    /// <summary>Median time per operation in TSC cycles (BenchmarkDotNet's median ns times the calibrated TSC frequency).</summary>
    protected static double? MedianCycles(Summary summary, BenchmarkCase c) =>
        summary[c]?.ResultStatistics?.Median is double ns ? ns * CycleClock.Frequency / 1e9 : null;
}

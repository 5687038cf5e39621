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

/// <summary>The cores a case ran on: "local->remote" (benchmark thread -> peer thread) or one core for same-core LRPC.</summary>
public sealed class CoresColumn() : SuiteColumn("UrpcCores", "Cores", "Cores: benchmark thread -> peer thread (LrpcCpuDriver: -> the CPU driver core running both dispatchers); sched_getcpu checked after pinning")
{
    public override string GetValue(Summary summary, BenchmarkCase c) =>
        Placement.Of(c.Descriptor.WorkloadMethod.Name)?.Describe() ?? "?";
}

/// <summary>Median cycles per operation.</summary>
public sealed class CyclesColumn() : SuiteColumn("UrpcCycles", "Median cycles", "Median time per operation in TSC cycles")
{
    public override string GetValue(Summary summary, BenchmarkCase c) => MedianCycles(summary, c) is double v ? v.ToString("F1") : "-";
}

/// <summary>Messages per 1000 cycles (the paper's Table 2 throughput unit), for the throughput benchmark only.</summary>
public sealed class MsgsPerKcycleColumn() : SuiteColumn("UrpcMsgsPerKcycle", "msgs/kcycle", "Pipelined throughput: messages per 1000 TSC cycles (Throughput only)")
{
    public override string GetValue(Summary summary, BenchmarkCase c) =>
        c.Descriptor.WorkloadMethod.Name == nameof(UrpcBenchmarks.Throughput) && MedianCycles(summary, c) is double v && v > 0
            ? (1000 / v).ToString("F2") : "-";
}

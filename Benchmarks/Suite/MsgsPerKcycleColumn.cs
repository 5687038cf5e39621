using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Benchmarks.Suite;

/// <summary>Messages per 1000 cycles (the paper's Table 2 throughput unit), for the throughput benchmark only.</summary>
public sealed class MsgsPerKcycleColumn() : SuiteColumn("UrpcMsgsPerKcycle", "msgs/kcycle", "Pipelined throughput: messages per 1000 TSC cycles (Throughput only)")
{
    public override string GetValue(Summary summary, BenchmarkCase c) =>
        c.Descriptor.WorkloadMethod.Name == nameof(UrpcBenchmarks.Throughput) && MedianCycles(summary, c) is double v && v > 0
            ? (1000 / v).ToString("F2") : "-";
}

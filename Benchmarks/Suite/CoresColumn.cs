using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Benchmarks.Suite;

/// <summary>The cores a case ran on: "local->remote" (benchmark thread -> peer thread) or one core for same-core LRPC.</summary>
public sealed class CoresColumn() : SuiteColumn("UrpcCores", "Cores", "Cores: benchmark thread -> peer thread (LrpcCpuDriver: -> the CPU driver core running both dispatchers); sched_getcpu checked after pinning")
{
    public override string GetValue(Summary summary, BenchmarkCase c) =>
        Placement.Of(c.Descriptor.WorkloadMethod.Name)?.Describe() ?? "?";
}

using Compute.Runtimes;

namespace Compute.Sweep;

/// <summary>One point of the sweep: a benchmark on a runtime with the first <see cref="Cores"/> cores of the list.</summary>
public sealed record SweepPoint(ComputeBench Bench, RuntimeKind Runtime, int Cores)
{
    /// <summary>Series name as plotted: benchmark and runtime, e.g. "CG/host", "BARNES/mk".</summary>
    public string Series => $"{Bench.Name}/{RuntimeFactory.NameOf(Runtime)}";

    public string Param => Bench.Param;

    public string Label => $"{Bench.Label} {RuntimeFactory.NameOf(Runtime)} cores={Cores}";
}

using Compute.Runtimes;
using Npb;

namespace Compute.Sweep;

/// <summary>One point of the sweep: a benchmark of a class on a runtime with the first <see cref="Cores"/> cores of the list.</summary>
public sealed record SweepPoint(string Bench, ProblemClass Class, RuntimeKind Runtime, int Cores)
{
    /// <summary>Series name as plotted: benchmark and runtime, e.g. "CG/host".</summary>
    public string Series => $"{Bench.ToUpperInvariant()}/{RuntimeFactory.NameOf(Runtime)}";

    public string Param => $"bench={Bench};class={Class}";

    public string Label => $"{Bench.ToUpperInvariant()}.{Class} {RuntimeFactory.NameOf(Runtime)} cores={Cores}";
}

using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>A validated run configuration (built by <see cref="Fig3Cli"/> from the command line).</summary>
public sealed record Fig3Settings
{
    public const string ExperimentId = "fig3-tlb";

    /// <summary>Cores to use, in order: the first is the initiator (and the measuring thread of the Linux baselines); a sweep over k uses the first k.</summary>
    public required int[] Cores { get; init; }
    public required SweepSize Size { get; init; }
    /// <summary>What a multicast group is.</summary>
    public required RoutingGrouping Grouping { get; init; }
    /// <summary>The run folder; results go to its <see cref="ExperimentId"/> subfolder.</summary>
    public required string OutDir { get; init; }
    /// <summary>"quick", "default" or "full".</summary>
    public required string Profile { get; init; }
    /// <summary>Which multikernel series to measure: real page tables (process mode), the software TLB (thread mode), or both.</summary>
    public MmuSeries Mmu { get; init; } = MmuSeries.Both;
}

/// <summary>The multikernel series of a run, by the MMU they use (the rows' Param says mmu=hardware or mmu=modelled).</summary>
[Flags]
public enum MmuSeries
{
    /// <summary>Process mode: each core process changes its own page table with mprotect.</summary>
    Hardware = 1,
    /// <summary>Thread mode: page tables in simulated memory and a software TLB per core.</summary>
    Modelled = 2,
    Both = Hardware | Modelled,
}

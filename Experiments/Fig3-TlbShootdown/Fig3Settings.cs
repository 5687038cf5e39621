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
}

namespace Fig3.TlbShootdown;

/// <summary>
/// A validated run configuration (built by <see cref="Fig3Cli"/> from the command line). The first of the
/// <see cref="RunSettings.Cores"/> is the initiator (and the measuring thread of the Linux baselines); results go to
/// the <see cref="ExperimentId"/> subfolder of the run folder.
/// </summary>
public sealed record Fig3Settings : RunSettings
{
    public const string ExperimentId = "fig3-tlb";

    /// <summary>Settings of <paramref name="chosen"/>'s cores, run folder, profile and size.</summary>
    public Fig3Settings(SweepChoice chosen) : base(chosen) => Size = SweepSize.For(chosen.Iterations, chosen.Repetitions);

    public SweepSize Size { get; init; }
    /// <summary>What a multicast group is.</summary>
    public required RoutingGrouping Grouping { get; init; }
    /// <summary>Which multikernel series to measure: real page tables (process mode), the software TLB (thread mode), or both.</summary>
    public MmuSeries Mmu { get; init; } = MmuSeries.Both;
}

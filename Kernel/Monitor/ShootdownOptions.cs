using Multikernel.Hardware;

namespace Multikernel.Monitor;

/// <summary>What the shootdown service is built with.</summary>
public sealed record ShootdownOptions
{
    /// <summary>Topology the routes are built from (null: the booted system's).</summary>
    public MachineTopology? Topology { get; init; }
    /// <summary>What a multicast group is.</summary>
    public RoutingGrouping Grouping { get; init; } = RoutingGrouping.Package;
    /// <summary>Entries of each core's software TLB.</summary>
    public int TlbEntries { get; init; } = 64;
    /// <summary>Slots of each core's broadcast buffer.</summary>
    public int BroadcastSlots { get; init; } = 16;
    public TimeSpan InstallTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

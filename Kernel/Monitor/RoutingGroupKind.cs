namespace Multikernel.Monitor;

/// <summary>What forms a multicast group.</summary>
public enum RoutingGroupKind
{
    /// <summary>One group per package (socket), as in the paper's 8 x 4-core machine.</summary>
    Package,
    /// <summary>One group per shared L3 cache domain.</summary>
    L3Domain,
    /// <summary>Groups of a fixed number of consecutive core indices: a modelled hierarchy for machines whose topology has none.</summary>
    FixedSize,
}

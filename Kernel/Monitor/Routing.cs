using Multikernel.Hardware;

namespace Multikernel.Monitor;

/// <summary>
/// Builds the routes of the paper's shootdown protocols from the machine's topology, the participating cores and the
/// initiator. Pure functions: no state, the same answer on every core, testable on made-up machines.
/// </summary>
public static class Routing
{
    /// <param name="topology">The machine (real or made up).</param>
    /// <param name="cpuOfCore">OS CPU number of each core index (the booted system's core list).</param>
    /// <param name="participants">Core indices that must be reached (the initiator may or may not be one).</param>
    /// <param name="initiator">Core index that starts the operation.</param>
    /// <param name="grouping">What a multicast group is (ignored by unicast and broadcast).</param>
    public static RoutingTree Build(RoutingProtocol protocol, MachineTopology topology, IReadOnlyList<int> cpuOfCore,
        CoreSet participants, int initiator, RoutingGrouping grouping)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(cpuOfCore);
        if ((uint)initiator >= (uint)cpuOfCore.Count)
            throw new ArgumentOutOfRangeException(nameof(initiator), initiator, $"initiator must be a core index 0..{cpuOfCore.Count - 1}");
        participants.ThrowIfBeyond(cpuOfCore.Count, nameof(participants));
        int[] remote = participants.Without(initiator).ToArray();
        RoutingHop[] hops = protocol switch
        {
            RoutingProtocol.Unicast or RoutingProtocol.Broadcast => remote.Select(c => new RoutingHop(c, [])).ToArray(),
            RoutingProtocol.Multicast => Multicast(topology, cpuOfCore, remote, initiator, grouping, numaAware: false),
            RoutingProtocol.NumaAwareMulticast => Multicast(topology, cpuOfCore, remote, initiator, grouping, numaAware: true),
            _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "unknown routing protocol"),
        };
        return new RoutingTree(protocol, initiator, participants, hops);
    }

    /// <summary>
    /// Groups the remote participants; the initiator serves its own group directly (one hop per member), every other
    /// group gets one hop to its aggregator (its lowest core index) carrying the rest of the group as the forward
    /// list (a group of one is a plain hop). Plain multicast sends in group-key order, the own group's members in
    /// their group's place. NUMA-aware multicast sends to the most distant first: all hops ordered by the NUMA
    /// distance (the machine's SLIT, <see cref="MachineTopology.NodeDistance"/>) from the initiator's node to the hop's
    /// node, descending, then by <see cref="MachineTopology.Distance"/> (package, node, L3), descending; ties: the hop
    /// covering more cores first, then the lower core index. On a real topology (package or L3 groups) this puts the other
    /// packages first and the initiator's own group last.
    /// </summary>
    static RoutingHop[] Multicast(MachineTopology topology, IReadOnlyList<int> cpuOfCore, int[] remote, int initiator,
        RoutingGrouping grouping, bool numaAware)
    {
        int own = grouping.GroupOf(topology, initiator, cpuOfCore[initiator]);
        var groups = new SortedDictionary<int, List<int>>();
        foreach (int c in remote)
        {
            int g = grouping.GroupOf(topology, c, cpuOfCore[c]);
            if (!groups.TryGetValue(g, out var members)) groups[g] = members = new List<int>();
            members.Add(c); // ascending: remote is ascending
        }
        var hops = new List<RoutingHop>();
        foreach (var (key, members) in groups)
        {
            if (key == own) foreach (int c in members) hops.Add(new RoutingHop(c, []));
            else hops.Add(new RoutingHop(members[0], members.Skip(1).ToArray()));
        }
        if (numaAware)
        {
            int from = cpuOfCore[initiator];
            int fromNode = topology.NumaNodeOf(from);
            hops.Sort((a, b) =>
            {
                int na = topology.NodeDistance(fromNode, topology.NumaNodeOf(cpuOfCore[a.Core]));
                int nb = topology.NodeDistance(fromNode, topology.NumaNodeOf(cpuOfCore[b.Core]));
                if (na != nb) return nb.CompareTo(na);
                var da = topology.Distance(from, cpuOfCore[a.Core]);
                var db = topology.Distance(from, cpuOfCore[b.Core]);
                if (da != db) return db.CompareTo(da);
                if (a.CoresCovered != b.CoresCovered) return b.CoresCovered.CompareTo(a.CoresCovered);
                return a.Core.CompareTo(b.Core);
            });
        }
        return hops.ToArray();
    }
}

using Multikernel.Hardware;

namespace Multikernel.Monitor.Agreement;

/// <summary>One core's cache of routing trees (<see cref="Routing.Build"/>), built once per (protocol, initiator, participants) and then looked up.</summary>
internal sealed class AgreementRoutes
{
    readonly Dictionary<(RoutingProtocol, int, CoreSet), RoutingTree> _trees = new();
    readonly MachineTopology _topology;
    readonly IReadOnlyList<int> _cpuOfCore;
    readonly RoutingGrouping _grouping;

    public AgreementRoutes(MachineTopology topology, IReadOnlyList<int> cpuOfCore, RoutingGrouping grouping)
    {
        _topology = topology;
        _cpuOfCore = cpuOfCore;
        _grouping = grouping;
    }

    public int CoreCount => _cpuOfCore.Count;

    public RoutingTree Get(RoutingProtocol protocol, int initiator, CoreSet participants)
    {
        var key = (protocol, initiator, participants);
        if (!_trees.TryGetValue(key, out var tree))
            _trees[key] = tree = Routing.Build(protocol, _topology, _cpuOfCore, participants, initiator, _grouping);
        return tree;
    }
}

using Multikernel.Hardware;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// One core's cache of routing trees (<see cref="Routing.Build"/>), built once per (protocol, initiator, participants)
/// and then looked up, and the cores this core has been told are faulted (<see cref="Faulted"/>), which its
/// coordinator and participant share.
/// <para>Invariant: <see cref="Faulted"/> only grows (fail-stop: a faulted core never comes back).</para>
/// </summary>
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

    /// <summary>Cores whose CPU driver faulted, as far as this core has been told; no message is sent to them.</summary>
    public CoreSet Faulted { get; private set; }

    /// <summary>Records that <paramref name="core"/> faulted; false if it was known already.</summary>
    public bool MarkFaulted(int core)
    {
        if (Faulted.Contains(core)) return false;
        Faulted = Faulted.With(core);
        return true;
    }

    public RoutingTree Get(RoutingProtocol protocol, int initiator, CoreSet participants)
    {
        var key = (protocol, initiator, participants);
        if (!_trees.TryGetValue(key, out var tree))
            _trees[key] = tree = Routing.Build(protocol, _topology, _cpuOfCore, participants, initiator, _grouping);
        return tree;
    }
}

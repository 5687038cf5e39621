using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// One core's agreement protocol: its <see cref="CommitCoordinator"/> and <see cref="CommitParticipant"/> over one
/// transport and one replica (<see cref="IAgreementResource"/>), sharing a route cache. The monitor hands it every
/// agreement message (<see cref="AgreementMessages.IsAgreement"/>) and calls <see cref="OnTimer"/> when
/// <see cref="NextDeadline"/> has passed, and <see cref="PeerFaulted"/> when another core's CPU driver faults; a
/// simulation does the same with its own clock.
/// </summary>
public sealed class AgreementNode
{
    readonly AgreementRoutes _routes;

    public int Core { get; }
    public CommitCoordinator Coordinator { get; }
    public CommitParticipant Participant { get; }

    public AgreementNode(int core, IAgreementTransport transport, IAgreementResource resource, MachineTopology topology,
        IReadOnlyList<int> cpuOfCore, RoutingGrouping grouping, AgreementOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(cpuOfCore);
        if ((uint)core >= (uint)cpuOfCore.Count) throw new ArgumentOutOfRangeException(nameof(core), core, $"core index must be 0..{cpuOfCore.Count - 1}");
        if (cpuOfCore.Count > Math.Min(CoreSet.Capacity, AgreementTag.MaxCoordinator + 1))
            throw new ArgumentException($"agreement supports at most {Math.Min(CoreSet.Capacity, AgreementTag.MaxCoordinator + 1)} cores; got {cpuOfCore.Count}", nameof(cpuOfCore));
        options ??= new AgreementOptions();
        options.Validate();
        Core = core;
        _routes = new AgreementRoutes(topology, cpuOfCore, grouping);
        Participant = new CommitParticipant(core, transport, resource, _routes);
        Coordinator = new CommitCoordinator(core, transport, _routes, Participant, options);
    }

    /// <summary>The cores this node has been told have faulted (<see cref="PeerFaulted"/>).</summary>
    public CoreSet Faulted => _routes.Faulted;

    /// <summary>
    /// Core <paramref name="core"/>'s CPU driver faulted (fail-stop: it never sends again). From now on nothing is sent
    /// to it; the groups this core aggregates stop waiting for it (<see cref="CommitParticipant.PeerFaulted"/>); and the
    /// agreements this core coordinates that include it abort if still voting, or complete without its ack
    /// (<see cref="CommitCoordinator.PeerFaulted"/>). A second report of the same core does nothing.
    /// </summary>
    public void PeerFaulted(int core, long now)
    {
        if ((uint)core >= (uint)_routes.CoreCount || core == Core)
            throw new ArgumentOutOfRangeException(nameof(core), core, $"a faulted peer of core #{Core} is another core index 0..{_routes.CoreCount - 1}");
        if (!_routes.MarkFaulted(core)) return;
        Participant.PeerFaulted(core);
        Coordinator.PeerFaulted(core, now);
    }

    public AgreementTag StartOnePhase(RoutingProtocol protocol, CoreSet participants, in AgreementUpdate update, IAgreementCompletion completion, long now) =>
        Coordinator.StartOnePhase(protocol, participants, update, completion, now);

    public AgreementTag StartTwoPhase(RoutingProtocol protocol, CoreSet participants, in AgreementUpdate update, IAgreementCompletion completion, long now) =>
        Coordinator.StartTwoPhase(protocol, participants, update, completion, now);

    /// <summary>An agreement message from core <paramref name="from"/> over a binding.</summary>
    public void OnMessage(int from, in UrpcMessage m, long now)
    {
        switch (m.Type)
        {
            case AgreementMessages.Apply:
            case AgreementMessages.Prepare:
                Participant.OnRequest(from, in m);
                break;
            case AgreementMessages.Commit:
            case AgreementMessages.Abort:
                Participant.OnDecision(from, in m);
                break;
            case AgreementMessages.Vote:
            case AgreementMessages.Ack:
                if (AgreementHeader.Unpack(m[0]).Tag.Coordinator == Core) Coordinator.OnReply(from, in m, now);
                else Participant.OnReply(from, in m);
                break;
            default:
                throw new InvalidOperationException($"core #{Core}: message type {m.Type} from core #{from} is not an agreement message");
        }
    }

    /// <summary>A message read from core <paramref name="from"/>'s broadcast buffer; cores outside its participant set ignore it.</summary>
    public void OnBroadcast(int from, in UrpcMessage m, long now)
    {
        if (m.Type is not (AgreementMessages.Apply or AgreementMessages.Prepare or AgreementMessages.Commit or AgreementMessages.Abort))
            throw new InvalidOperationException($"core #{Core}: message type {m.Type} in core #{from}'s broadcast buffer is not an agreement request");
        if (!AgreementMessages.ParticipantsOf(in m).Contains(Core)) return;
        OnMessage(from, in m, now);
    }

    public void OnTimer(long now) => Coordinator.OnTimer(now);

    public long NextDeadline => Coordinator.NextDeadline;
}

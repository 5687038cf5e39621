using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// One core's agreement protocol: its <see cref="CommitCoordinator"/> and <see cref="CommitParticipant"/> over one
/// transport and one replica (<see cref="IAgreementResource"/>), sharing a route cache. The monitor hands it every
/// agreement message (<see cref="AgreementMessages.IsAgreement"/>) and calls <see cref="OnTimer"/> when
/// <see cref="NextDeadline"/> has passed; a simulation does the same with its own clock.
/// </summary>
public sealed class AgreementNode
{
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
        var routes = new AgreementRoutes(topology, cpuOfCore, grouping);
        Participant = new CommitParticipant(core, transport, resource, routes);
        Coordinator = new CommitCoordinator(core, transport, routes, Participant, options);
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

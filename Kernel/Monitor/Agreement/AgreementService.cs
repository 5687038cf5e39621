using Multikernel.Capabilities;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// The agreement protocol hosted by one core's monitor: its <see cref="AgreementNode"/> (1PC/2PC coordinator and
/// participant) over the monitors' URPC bindings (unicast, and the hops of the multicast routes) and this core's
/// broadcast buffer (read by every other core), its <see cref="MonitorReplica"/> of the replicated system tables,
/// the capability operations that span cores (<see cref="Capabilities"/>) and the page-table coherence of shared
/// address spaces (<see cref="Coherence"/>: the TLB shootdown as a 1PC, root-table inserts as a 2PC).
/// <para>Time is the core's cycle counter: <see cref="AgreementOptions"/> are in cycles, and the monitor calls
/// <see cref="OnTimer"/> whenever <see cref="NextDeadline"/> has passed (its CPU driver never sleeps past it).</para>
/// <para>Invariants: created on its core's thread (the monitor's start upcall) and used only there. The broadcast
/// backlog holds the messages that found the buffer full, in order; it is an event source in the monitor's waitset,
/// so the core keeps polling until it has drained.</para>
/// </summary>
public sealed class AgreementService : IAgreementTransport, IEventSource
{
    readonly MonitorDispatcher _monitor;
    readonly BroadcastChannel? _outgoing; // null on a one-core system: no other core to reach
    readonly Queue<UrpcMessage> _broadcastBacklog = new();

    public int Core { get; }
    public AgreementNode Node { get; }
    public MonitorReplica Replica { get; }
    /// <summary>Transfer, give, revoke, delete and retype across cores (null when the core has no capability driver).</summary>
    public CapabilityAgreement? Capabilities { get; }
    /// <summary>TLB shootdowns, end-to-end unmaps and root-table inserts of shared address spaces.</summary>
    public PageTableCoherence Coherence { get; }
    /// <summary>The cores every system-wide agreement includes (all booted cores).</summary>
    public CoreSet AllCores { get; }

    /// <param name="transport">Wraps this service's own transport before the node uses it (fault injection in tests); null: none.</param>
    internal AgreementService(MonitorDispatcher monitor, BroadcastChannel? outgoing, MachineTopology topology, RoutingGrouping grouping,
        AgreementOptions options, CapabilityDriver? capabilities, Tlb tlb, Func<int, IAgreementTransport, IAgreementTransport>? transport)
    {
        monitor.AssertOnCore();
        _monitor = monitor;
        _outgoing = outgoing;
        Core = monitor.CoreIndex;
        AllCores = CoreSet.FirstN(monitor.CoreCount);
        Coherence = new PageTableCoherence(this, tlb);
        Replica = new MonitorReplica(Core, capabilities, Coherence);
        IAgreementTransport carrier = transport == null ? this : transport(Core, this);
        Node = new AgreementNode(Core, carrier, Replica, topology, monitor.Cores, grouping, options);
        if (capabilities != null) Capabilities = new CapabilityAgreement(Node, capabilities, Replica, AllCores);
    }

    /// <summary>The time the protocol runs on: this core's cycle counter.</summary>
    public static long Now => (long)CycleClock.Now();

    /// <summary>Earliest time the coordinator has something to do (long.MaxValue: nothing pending).</summary>
    public long NextDeadline => Node.NextDeadline;

    /// <summary>Runs the coordinator's timers if their deadline has passed; true when it did.</summary>
    public bool OnTimer()
    {
        long deadline = Node.NextDeadline;
        if (deadline == long.MaxValue) return false; // nothing pending: no clock read (called on every CPU-driver visit)
        long now = Now;
        if (deadline > now) return false;
        Node.OnTimer(now);
        return true;
    }

    /// <summary>True when a timer is pending and its deadline has passed (reads the clock only while one is pending).</summary>
    public bool TimerDue
    {
        get
        {
            long deadline = Node.NextDeadline;
            return deadline != long.MaxValue && deadline <= Now;
        }
    }

    /// <summary>Starts a 1PC of <paramref name="update"/> among <paramref name="participants"/> from this core.</summary>
    public AgreementTag StartOnePhase(RoutingProtocol protocol, CoreSet participants, in AgreementUpdate update, IAgreementCompletion completion) =>
        Node.StartOnePhase(protocol, participants, update, completion, Now);

    /// <summary>Starts a 2PC of <paramref name="update"/> among <paramref name="participants"/> from this core.</summary>
    public AgreementTag StartTwoPhase(RoutingProtocol protocol, CoreSet participants, in AgreementUpdate update, IAgreementCompletion completion) =>
        Node.StartTwoPhase(protocol, participants, update, completion, Now);

    /// <summary>
    /// Core <paramref name="core"/>'s CPU driver faulted (called by <see cref="MonitorDispatcher.PeerFaulted"/>): the
    /// node stops waiting for it (<see cref="AgreementNode.PeerFaulted"/>). The faulted core no longer reads this core's
    /// broadcast buffer, which so fills up: the coordinator sends the broadcast route by unicast from now on, and the
    /// messages backlogged for the buffer go out now, by unicast to each of their live participants.
    /// </summary>
    internal void PeerFaulted(int core)
    {
        Node.PeerFaulted(core, Now);
        while (_broadcastBacklog.TryDequeue(out var m))
        {
            var to = AgreementMessages.ParticipantsOf(in m).Without(Core).Except(Node.Faulted);
            for (int c = 0; c < to.Bound; c++)
                if (to.Contains(c)) _monitor.SendTo(c, in m);
        }
    }

    internal void OnMessage(int from, in UrpcMessage m)
    {
        Node.OnMessage(from, in m, Now);
        Replica.VerifyApplied();
    }

    internal void OnBroadcast(int from, in UrpcMessage m)
    {
        Node.OnBroadcast(from, in m, Now);
        Replica.VerifyApplied();
    }

    void IAgreementTransport.Send(int to, in UrpcMessage message) => _monitor.SendTo(to, in message);

    void IAgreementTransport.Broadcast(in UrpcMessage message)
    {
        if (_outgoing == null) throw new InvalidOperationException("a one-core system has no broadcast buffer: there is no other core to reach");
        if (_broadcastBacklog.Count == 0 && _outgoing.TrySend(in message)) return;
        _broadcastBacklog.Enqueue(message);
    }

    /// <summary>Event source: moves the oldest backlogged broadcast into the buffer if it has room now.</summary>
    bool IEventSource.PollOnce()
    {
        if (_broadcastBacklog.Count == 0 || !_outgoing!.TrySend(_broadcastBacklog.Peek())) return false;
        _broadcastBacklog.Dequeue();
        return true;
    }

    /// <summary>A backlogged broadcast counts as pending work, so the core keeps polling until it has gone out.</summary>
    bool IEventSource.HasEvent() => _broadcastBacklog.Count > 0;

    /// <summary>Nothing on another core makes the backlog ready except readers consuming; the core polls while it is not empty.</summary>
    void IEventSource.AttachNotifier(Notifier? notifier) { }
}

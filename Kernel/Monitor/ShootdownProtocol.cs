using System.Runtime.InteropServices;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Urpc;
using static Multikernel.Monitor.ShootdownMessages;

namespace Multikernel.Monitor;

/// <summary>
/// The TLB shootdown protocol state of one core (one-phase: apply everywhere, then done). The initiator applies the
/// change on its own core, sends the request along the chosen route (<see cref="Routing"/>) and completes when acks
/// covering every other participant have arrived. A receiving core applies the change to its own translation state
/// (<see cref="ICoreMmu"/>: invalidate its software TLB in thread mode; mprotect/munmap its own page table in process
/// mode) and acks to whoever sent it the request, then checks the change off the measured path
/// (<see cref="ICoreMmu.Verify"/>); a multicast aggregator first forwards the request to the rest of its group and
/// sends one ack for the whole group once their acks are in.
/// <para>Invariants: (1) all state here belongs to one core and is used only on that core's thread; the only way in
/// from elsewhere is a message. (2) Every request is identified by its tag (initiator core, initiator's sequence
/// number), and every piece of pending state is keyed by tag, so concurrent shootdowns from different initiators, and
/// several from one initiator, never share an ack count. (3) Each participant other than the initiator receives the
/// request exactly once per shootdown (a property of the route) and acks it exactly once, so an initiator's pending
/// count reaches zero exactly once; an ack for an unknown tag or one that would drive a count below zero is a protocol
/// error and throws. (4) Completion is reported only after every remote participant has invalidated: when the
/// completion runs, no participant's TLB still caches the range (unless a core re-walked a mapping that was never removed).</para>
/// Routes are cached per (protocol, initiator, participants): built once, then looked up without allocating.
/// </summary>
public sealed class ShootdownProtocol
{
    readonly IShootdownTransport _transport;
    readonly MachineTopology _topology;
    readonly IReadOnlyList<int> _cpuOfCore;
    readonly Dictionary<RouteKey, RoutingTree> _routes = new();
    readonly Dictionary<ulong, Initiated> _initiated = new();
    readonly Dictionary<ulong, Aggregation> _aggregating = new();
    ulong _nextSequence;

    /// <summary>This core's index.</summary>
    public int Core { get; }
    /// <summary>What a shootdown changes on this core: its software TLB (thread mode) or its own page table (process mode).</summary>
    public ICoreMmu Mmu { get; }
    /// <summary>This core's software TLB (thread mode); throws where the core has a real page table instead.</summary>
    public Tlb Tlb => Mmu as Tlb ?? throw new InvalidOperationException($"core #{Core} changes a real page table ({Mmu.GetType().Name}); it has no software TLB");
    public RoutingGrouping Grouping { get; }
    public int CoreCount => _cpuOfCore.Count;
    /// <summary>Shootdowns this core started that have not completed yet.</summary>
    public int InFlight => _initiated.Count;
    /// <summary>Requests from other initiators this core has served (invalidated and acked or forwarded).</summary>
    public long RequestsServed { get; private set; }
    /// <summary>Shootdowns this core started and saw complete.</summary>
    public long Completed { get; private set; }

    readonly record struct RouteKey(RoutingProtocol Protocol, int Initiator, CoreSet Participants);

    struct Initiated
    {
        public int Remaining;
        public int Acknowledged;
        public ulong StartedAt;
        public RoutingProtocol Protocol;
        public IShootdownCompletion Completion;
    }

    struct Aggregation
    {
        public int Remaining;
        public int Covered;
        public int AckTo;
    }

    public ShootdownProtocol(int core, ICoreMmu mmu, IShootdownTransport transport, MachineTopology topology, IReadOnlyList<int> cpuOfCore, RoutingGrouping grouping)
    {
        ArgumentNullException.ThrowIfNull(mmu);
        if ((uint)core >= (uint)cpuOfCore.Count) throw new ArgumentOutOfRangeException(nameof(core), core, $"core index must be 0..{cpuOfCore.Count - 1}");
        if (cpuOfCore.Count > CoreSet.Capacity) throw new ArgumentException($"the shootdown service supports at most {CoreSet.Capacity} cores; got {cpuOfCore.Count}", nameof(cpuOfCore));
        Core = core;
        Mmu = mmu;
        _transport = transport;
        _topology = topology;
        _cpuOfCore = cpuOfCore;
        Grouping = grouping;
    }

    /// <summary>The route this core would use (cached).</summary>
    public RoutingTree RouteFor(RoutingProtocol protocol, int initiator, CoreSet participants)
    {
        var key = new RouteKey(protocol, initiator, participants);
        if (!_routes.TryGetValue(key, out var tree))
            _routes[key] = tree = Routing.Build(protocol, _topology, _cpuOfCore, participants, initiator, Grouping);
        return tree;
    }

    /// <summary>
    /// Starts a shootdown of <paramref name="pages"/> pages from <paramref name="va"/> in address space
    /// <paramref name="spaceId"/> on every core of <paramref name="participants"/>; <paramref name="completion"/> is
    /// told on this core when all have invalidated (at once if no other core participates). Returns the tag.
    /// </summary>
    public ulong Start(RoutingProtocol protocol, CoreSet participants, ulong spaceId, ulong va, int pages, IShootdownCompletion completion) =>
        Start(protocol, participants, new MmuChange(spaceId, va, pages, MmuOp.Invalidate), completion);

    /// <summary>
    /// Starts a shootdown that applies <paramref name="change"/> on every core of <paramref name="participants"/>. A
    /// change that edits page tables (process mode: each core's own) is applied here first, then sent, as an unmap
    /// edits the tables before the shootdown; an invalidation is applied here while the requests travel.
    /// <paramref name="completion"/> is told on this core when every participant has applied it. Returns the tag.
    /// </summary>
    public ulong Start(RoutingProtocol protocol, CoreSet participants, in MmuChange change, IShootdownCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (change.Pages < 1) throw new ArgumentOutOfRangeException(nameof(change), change.Pages, "a shootdown covers at least one page");
        ulong started = CycleClock.Now();
        bool local = participants.Contains(Core);
        if (local && change.EditsPageTables) Mmu.Apply(in change);
        var route = RouteFor(protocol, Core, participants);
        ulong tag = Tag(Core, ++_nextSequence);
        if (route.RemoteCores > 0)
            _initiated.Add(tag, new Initiated { Remaining = route.RemoteCores, StartedAt = started, Protocol = protocol, Completion = completion });
        var request = new Request(RequestKind.Broadcast, tag, change.SpaceId, change.Va, change.Pages, protocol, participants, change.Op);
        if (route.ViaBroadcastBuffer)
        {
            if (route.RemoteCores > 0) _transport.Broadcast(UrpcMessage.From(in request));
        }
        else
        {
            var invalidate = UrpcMessage.From(request with { Kind = RequestKind.Invalidate });
            var forward = UrpcMessage.From(request with { Kind = RequestKind.Forward });
            var hops = route.Hops;
            for (int i = 0; i < hops.Count; i++)
            {
                var h = hops[i];
                _transport.Send(h.Core, h.Forward.Length == 0 ? invalidate : forward);
            }
        }
        // Our own TLB while the requests travel.
        if (local && !change.EditsPageTables) Mmu.Apply(in change);
        if (route.RemoteCores == 0)
        {
            Completed++;
            completion.ShootdownCompleted(new ShootdownOutcome(tag, protocol, started, CycleClock.Now(), 0));
        }
        return tag;
    }

    /// <summary>
    /// End-to-end unmap for a domain spanning <paramref name="domainCores"/>: removes the mappings from the page
    /// tables (here, on this core), then shoots the range down on every core of the domain with
    /// <paramref name="protocol"/> (NUMA-aware multicast unless told otherwise). The frames the pages mapped may be
    /// reused only after <paramref name="completion"/> has run. Returns the shootdown's tag.
    /// <para>The domain's core set stands in for the Domain object (Kernel/Domains) until that lands; with
    /// capabilities, the caller will present the VNode capability of the tables it edits.</para>
    /// </summary>
    public ulong Unmap(VSpace space, CoreSet domainCores, ulong va, int pages, IShootdownCompletion completion,
        RoutingProtocol protocol = RoutingProtocol.NumaAwareMulticast)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (pages < 1) throw new ArgumentOutOfRangeException(nameof(pages), pages, "an unmap covers at least one page");
        for (int p = 0; p < pages; p++) space.Unmap(va + (ulong)p * VSpace.PageSize);
        return Start(protocol, domainCores, space.Id, va, pages, completion);
    }

    /// <summary>Handles a shootdown message that arrived from core <paramref name="from"/> over a binding.</summary>
    public void OnMessage(int from, in UrpcMessage m)
    {
        switch (m.Type)
        {
            case (byte)RequestKind.Invalidate:
            {
                var r = Request.Decode(in m);
                var change = r.Change;
                Serve(in change);
                _transport.Send(from, UrpcMessage.From(new Ack(r.Tag, 1)));
                Mmu.Verify(in change);
                break;
            }
            case (byte)RequestKind.Forward:
                OnForward(from, Request.Decode(in m));
                break;
            case Ack.TypeId:
            {
                var a = Ack.Decode(in m);
                OnAck(a.Tag, a.Cores);
                break;
            }
            default:
                throw new InvalidOperationException($"core #{Core}: message type {m.Type} from core #{from} is not a shootdown message");
        }
    }

    /// <summary>Handles a request read from core <paramref name="initiator"/>'s broadcast buffer; cores outside the participant set ignore it.</summary>
    public void OnBroadcast(int initiator, in UrpcMessage m)
    {
        if (m.Type != (byte)RequestKind.Broadcast)
            throw new InvalidOperationException($"core #{Core}: message type {m.Type} in core #{initiator}'s broadcast buffer is not a shootdown broadcast");
        var r = Request.Decode(in m);
        if (!r.Participants.Contains(Core)) return;
        var change = r.Change;
        Serve(in change);
        _transport.Send(initiator, UrpcMessage.From(new Ack(r.Tag, 1)));
        Mmu.Verify(in change);
    }

    void OnForward(int from, in Request r)
    {
        var route = RouteFor(r.Protocol, InitiatorOf(r.Tag), r.Participants);
        var forward = route.ForwardOf(Core);
        if (forward.Length > 0)
        {
            var invalidate = UrpcMessage.From(r with { Kind = RequestKind.Invalidate });
            for (int i = 0; i < forward.Length; i++) _transport.Send(forward[i], in invalidate);
        }
        var change = r.Change;
        Serve(in change);
        if (forward.Length == 0) _transport.Send(from, UrpcMessage.From(new Ack(r.Tag, 1)));
        else _aggregating.Add(r.Tag, new Aggregation { Remaining = forward.Length, Covered = 1, AckTo = from });
        Mmu.Verify(in change);
    }

    void OnAck(ulong tag, int cores)
    {
        if (cores < 1) throw new InvalidOperationException($"core #{Core}: ack for tag 0x{tag:x} covers {cores} cores");
        if (InitiatorOf(tag) == Core)
        {
            ref var p = ref CollectionsMarshal.GetValueRefOrNullRef(_initiated, tag);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref p))
                throw new InvalidOperationException($"core #{Core}: ack for shootdown 0x{tag:x}, which this core did not start or which already completed (cross-wired or duplicated ack)");
            p.Remaining -= cores;
            p.Acknowledged += cores;
            if (p.Remaining < 0) throw new InvalidOperationException($"core #{Core}: shootdown 0x{tag:x} received acks for {p.Acknowledged} cores, more than its participants");
            if (p.Remaining > 0) return;
            var done = p;
            _initiated.Remove(tag);
            Completed++;
            done.Completion.ShootdownCompleted(new ShootdownOutcome(tag, done.Protocol, done.StartedAt, CycleClock.Now(), done.Acknowledged));
            return;
        }
        ref var a = ref CollectionsMarshal.GetValueRefOrNullRef(_aggregating, tag);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref a))
            throw new InvalidOperationException($"core #{Core}: ack for shootdown 0x{tag:x}, which this core is not aggregating (cross-wired or duplicated ack)");
        a.Remaining -= cores;
        a.Covered += cores;
        if (a.Remaining < 0) throw new InvalidOperationException($"core #{Core}: aggregation of 0x{tag:x} received more acks than its group");
        if (a.Remaining > 0) return;
        var agg = a;
        _aggregating.Remove(tag);
        _transport.Send(agg.AckTo, UrpcMessage.From(new Ack(tag, agg.Covered)));
    }

    void Serve(in MmuChange change)
    {
        Mmu.Apply(in change);
        RequestsServed++;
    }
}

using Multikernel.Capabilities;
using Multikernel.CoreProcesses;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Monitor.Agreement;
using Multikernel.Urpc;
using static Multikernel.Monitor.MonitorMessages;

namespace Multikernel.Monitor;

/// <summary>
/// The monitor: a dispatcher on every core that owns the core's share of system state and talks to the other
/// monitors only by URPC (one binding per pair of cores). At another monitor's request it starts dispatchers on its
/// core and serves binds (it allocates the rings of a new binding, each on its receiver's NUMA node, as Barrelfish's
/// monitors do for <c>ump_chan_bind</c>/<c>accept</c>); it hosts the agreement protocol (<see cref="Agreement"/>:
/// 1PC/2PC over its bindings and its broadcast buffer, its replica of the system tables, capability operations
/// across cores, the TLB shootdown) and delivers capabilities sent to dispatchers of its core
/// (<see cref="SendCapability"/>); services register extra message types with <see cref="RegisterHandler"/> and extra
/// event sources in its <see cref="Dispatcher.Waitset"/>.
/// <para>Two boot modes. Thread mode: every core is a thread of one process; the host's calls, spawned images and
/// bind replies are objects passed by GC handle. Process mode: every core is a process of its own
/// (<see cref="CoreProcesses.CoreProcess"/>) with this monitor in it; channel memory comes from the shared region
/// (<see cref="Region"/>), the host asks by registered name (<see cref="MonitorMessages.HostRequest"/>,
/// <see cref="MonitorMessages.HostSpawn"/>) and answers on its reply port, a bind is answered with ring offsets, and
/// the TLB shootdown's apply step changes the core process's own page table (<see cref="PageTable"/>); the core has no
/// capability driver (capabilities and the memory server are thread mode only).</para>
/// <para>Invariants: all fields are core-local. A send that finds a peer's ring full is queued in the
/// <see cref="UrpcOutbox"/> and retried from the run upcall, so a monitor never spins on a full ring while a peer
/// spins on its own (no send deadlock). Every binding and broadcast buffer this monitor allocated is in its lists
/// until the system frees them, after every core has stopped. In process mode no message this monitor sends holds a
/// GC handle.</para>
/// </summary>
public sealed class MonitorDispatcher : Dispatcher
{
    readonly UrpcEndpoint?[] _peers;
    readonly UrpcSender?[] _peerSenders;
    readonly UrpcOutbox _outbox;
    readonly MachineTopology _topology;
    // Spawns and binds waiting for another monitor's reply, each with the core it was sent to (failed if that core faults).
    readonly Dictionary<ulong, (int To, Action<MonitorReply<DispatcherId>> OnReply)> _pendingSpawns = new();
    readonly Dictionary<ulong, (int To, Action<MonitorReply<UrpcBinding>> OnBound)> _pendingBinds = new();
    Exception?[]? _faultedPeers; // by core index: the fault that stopped that core's CPU driver (thread mode)
    readonly Dictionary<ulong, (int To, Action<Exception?> OnReply)> _pendingPings = new();
    internal int PendingPings => _pendingPings.Count;
    readonly MonitorHandler?[] _handlers = new MonitorHandler?[256];
    readonly List<UrpcBinding> _bindings = new();
    readonly List<BroadcastChannel> _broadcasts = new();
    readonly MonitorSetup _setup;
    readonly Dictionary<ulong, CSpace> _spaces = new();
    readonly Dictionary<ulong, (int To, ICapOperationCompletion Done)> _pendingDeliveries = new(); // with the core each went to (failed if it faults)
    readonly Dictionary<Dispatcher, DispatcherCaps> _dispatcherCaps = new();
    AgreementService? _agreement;
    UrpcReceiver? _hostPort;
    UrpcSender? _hostReplies;
    HardwarePageTable? _pageTable;
    ulong _nextRequest;

    public int CoreIndex => Driver.CoreIndex;
    public int CoreCount => _peers.Length;
    /// <summary>The OS core numbers of all booted cores, by core index (read-only, identical on every monitor).</summary>
    public IReadOnlyList<int> Cores { get; }
    /// <summary>The machine's shape the monitors route and place memory by.</summary>
    public MachineTopology Topology => _topology;
    /// <summary>Process mode: the shared region this core process maps (channel memory, blocks); null in thread mode.</summary>
    public SharedRegion? Region => _setup.Region;
    /// <summary>The images and requests this core knows by name (null in thread mode when the system was booted without one).</summary>
    public CoreProgram? Program => _setup.Program;

    /// <summary>The agreement protocol on this core: its node, replica, capability operations across cores and TLB coherence (from the start upcall on).</summary>
    public AgreementService Agreement => _agreement ?? throw new InvalidOperationException($"the monitor on core #{CoreIndex} has not started yet");

    /// <summary>The monitor's own CSpace: this core's boot RAM and what the monitor made of it (null when the core has no capability driver).</summary>
    public CSpace? CSpace { get; private set; }

    /// <summary>This core's RAM cache (in the monitor's CSpace): where the core's dispatchers get memory (null when the core has no capability driver).</summary>
    public RamCache? Ram { get; private set; }

    /// <summary>The monitor of the core whose CPU driver is <paramref name="driver"/> (call on that core: it is core-local).</summary>
    public static MonitorDispatcher On(CpuDriverThread driver)
    {
        foreach (var d in driver.Dispatchers)
            if (d is MonitorDispatcher m) { m.AssertOnCore(); return m; }
        throw new InvalidOperationException($"core #{driver.CoreIndex} has no monitor");
    }

    internal MonitorDispatcher(IReadOnlyList<int> cores, MachineTopology topology, MonitorSetup setup) : base("monitor")
    {
        _setup = setup;
        _peers = new UrpcEndpoint?[cores.Count];
        _peerSenders = new UrpcSender?[cores.Count];
        _outbox = new UrpcOutbox(_peerSenders);
        _topology = topology;
        Cores = cores;
    }

    /// <summary>Boot only: connects this monitor's end of the binding with core <paramref name="peer"/>.</summary>
    internal void ConnectPeer(int peer, UrpcEndpoint endpoint)
    {
        _peers[peer] = endpoint;
        _peerSenders[peer] = endpoint.Sender;
    }

    /// <summary>Boot only: the receiving end of the host's port into this monitor.</summary>
    internal void ConnectHost(UrpcReceiver hostPort) => _hostPort = hostPort;

    /// <summary>Boot only (process mode): the sending end of this monitor's reply port to the host.</summary>
    internal void ConnectHostReplies(UrpcSender replies) => _hostReplies = replies;

    /// <summary>
    /// Process mode: this core process's own page table for domains' memory, which the TLB shootdown's apply step
    /// changes (<see cref="PageTableCoherence.Apply"/>; from the start upcall on). Thread mode has none: its page
    /// tables are shared (<see cref="Pmap"/>) and its TLBs software models.
    /// </summary>
    public HardwarePageTable PageTable
    {
        get
        {
            AssertOnCore();
            return _pageTable ?? throw new InvalidOperationException(Region == null
                ? "a core has a real page table only in process mode (MultikernelOptions.Mode = BootMode.ProcessPerCore)"
                : $"the monitor on core #{CoreIndex} has not started yet");
        }
    }

    /// <summary>NUMA node of core index <paramref name="coreIndex"/> (-1 for the host, which is no core of the system).</summary>
    int NodeOfCore(int coreIndex) => coreIndex < 0 ? -1 : _topology.NumaNodeOf(Cores[coreIndex]);

    protected internal override void OnStart()
    {
        Waitset.AddPeers(_peers, OnPeerMessage);
        if (_hostPort != null) Waitset.Add(_hostPort, OnHostMessage);
        var caps = Driver.Capabilities;
        if (caps != null && _setup.RamBytes > 0)
        {
            CSpace = caps.CreateBootCSpace(_setup.RamBase, _setup.RamBytes);
            _spaces[Id.Pack()] = CSpace;
            Ram = new RamCache(caps, CSpace, CapTypeRules.CNodeGranule, _setup.MemoryServer, _setup.RefillBits);
            if (Ram.ServerReplies is { } replies) Waitset.Add(replies, (in UrpcMessage m) => Ram.OnServerMessage(in m));
        }
        var tlb = new Tlb(_setup.TlbEntries);
        tlb.BindToCurrentThread();
        _agreement = new AgreementService(this, _setup.Broadcast, _topology, _setup.Grouping, _setup.Agreement, caps, tlb, _setup.AgreementTransport);
        if (Region is { } region)
        {
            _pageTable = new HardwarePageTable(region.MemoryFd);
            _pageTable.BindToCurrentThread();
            _agreement.Coherence.Apply = _pageTable;
        }
        var readers = _setup.BroadcastReaders;
        for (int c = 0; c < readers.Length; c++)
        {
            if (readers[c] is not { } reader) continue;
            int writer = c;
            Waitset.Add(reader, (in UrpcMessage m) => _agreement.OnBroadcast(writer, in m));
        }
        Waitset.Add(_agreement);
    }

    protected internal override bool HasLocalWork => _outbox.Pending > 0 || (Ram != null && Ram.HasPendingSends)
        || (_agreement != null && _agreement.TimerDue);

    protected internal override ulong WakeAt => _agreement == null ? ulong.MaxValue : (ulong)_agreement.NextDeadline;

    protected internal override bool Run() => _outbox.Flush() | (Ram != null && Ram.Flush()) | (_agreement != null && _agreement.OnTimer());

    /// <summary>
    /// Registers the CSpace of dispatcher <paramref name="owner"/> of this core, so that capabilities sent to that
    /// dispatcher (<see cref="SendCapability"/>) can be delivered into it.
    /// </summary>
    public void RegisterCSpace(DispatcherId owner, CSpace space)
    {
        AssertOnCore();
        ArgumentNullException.ThrowIfNull(space);
        if (owner.CoreIndex != CoreIndex || space.Core != CoreIndex)
            throw new ArgumentException($"a monitor registers CSpaces of its own core #{CoreIndex}; got dispatcher {owner} with a CSpace of core #{space.Core}", nameof(owner));
        _spaces[owner.Pack()] = space;
    }

    /// <summary>Forgets a CSpace registered with <see cref="RegisterCSpace"/> (its dispatcher is leaving).</summary>
    public void UnregisterCSpace(DispatcherId owner)
    {
        AssertOnCore();
        _spaces.Remove(owner.Pack());
    }

    /// <summary>
    /// Sends the capability at <paramref name="cap"/> of <paramref name="cs"/> (a CSpace of this core), with
    /// <paramref name="rights"/>, to slot <paramref name="destination"/> of the CSpace of dispatcher
    /// <paramref name="to"/> on another core: the monitors agree (2PC) that <paramref name="to"/>'s core becomes a holder
    /// (and, if <paramref name="give"/>, that this core stops being one and deletes its copies), then this monitor
    /// sends the serialized capability to the receiving monitor, which imports it. <paramref name="done"/> is told here
    /// once, with the import's result (or the agreement's refusal; <see cref="CapError.CoreFaulted"/> if the receiving
    /// core's CPU driver faults before it imported it). Returns an error, having changed nothing and told nobody, when
    /// the capability cannot be sent at all (<see cref="CapError.CoreFaulted"/>: the receiving core has faulted).
    /// </summary>
    public CapError SendCapability(CSpace cs, Cptr cap, DispatcherId to, Cptr destination, CapRights rights, ICapOperationCompletion done, bool give = false)
    {
        AssertOnCore();
        ArgumentNullException.ThrowIfNull(done);
        var ops = Agreement.Capabilities ?? throw new InvalidOperationException($"core #{CoreIndex} has no capability driver");
        if ((uint)to.CoreIndex >= (uint)CoreCount) return CapError.WrongCore;
        if (FaultOf(to.CoreIndex) != null) return CapError.CoreFaulted;
        if (to.CoreIndex == CoreIndex) return MoveLocal(cs, cap, to, destination, rights, done, give);
        var delivery = new Delivery(this, to, destination, done);
        return give ? ops.Give(cs, cap, to.CoreIndex, rights, delivery, AgreementService.Now)
            : ops.Transfer(cs, cap, to.CoreIndex, rights, delivery, AgreementService.Now);
    }

    /// <summary>A dispatcher's capabilities in the monitor's CSpace: its Dispatcher capability, the unbadged Endpoint retyped from it, and the badged endpoints minted from that.</summary>
    sealed record DispatcherCaps(Cptr Dispatcher, ulong Base, Cptr Endpoint, List<Cptr> Minted);

    /// <summary>
    /// Binds <paramref name="caller"/> to <paramref name="callee"/>, dispatchers of this core, for same-core LRPC: the
    /// monitor makes the callee's Dispatcher capability (retyped from this core's RAM cache) and its Endpoint the first
    /// time, mints a badged copy with the right to call (held in the monitor's CSpace on the caller's behalf), and the
    /// CPU driver binds the call to it. <see cref="RevokeEndpoints"/> stops every binding to the callee.
    /// </summary>
    public LrpcBinding BindLrpc(Dispatcher caller, Dispatcher callee)
    {
        AssertOnCore();
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(callee);
        if (caller.Driver != Driver || callee.Driver != Driver)
            throw new ArgumentException($"LRPC binds two dispatchers of the same core; {caller.Name} is on core {caller.Driver.Core}, {callee.Name} on core {callee.Driver.Core}");
        var e = MintEndpoint(callee, CapRights.Write, out var handle);
        if (e != CapError.Ok) throw new InvalidOperationException($"core #{CoreIndex} cannot make an Endpoint capability for {callee.Name}: {e}");
        return Driver.BindLrpc(caller, callee, handle);
    }

    /// <summary>Mints a badged Endpoint capability to <paramref name="callee"/> with <paramref name="rights"/> (in the monitor's CSpace) and returns a handle to it.</summary>
    public CapError MintEndpoint(Dispatcher callee, CapRights rights, out CapHandle handle)
    {
        AssertOnCore();
        handle = default;
        var caps = Driver.Capabilities;
        if (caps == null || Ram == null || CSpace == null) return CapError.WrongCore;
        if (!_dispatcherCaps.TryGetValue(callee, out var dc))
        {
            if (!Ram.TryTakeSlot(out var dslot)) return CapError.OutOfSlots;
            if (!Ram.TryTakeSlot(out var eslot)) { Ram.ReturnSlot(dslot); return CapError.OutOfSlots; }
            var r = Ram.TryRetype(CapType.Dispatcher, 0, 1, CSpace, dslot, out ulong @base);
            if (r == CapError.Ok) r = caps.SetupDispatcher(CSpace, dslot, callee);
            if (r == CapError.Ok) r = caps.Retype(CSpace, dslot, CapType.Endpoint, 0, 0, 1, eslot);
            if (r != CapError.Ok)
            {
                if (!CSpace[dslot].IsNull) { caps.Delete(CSpace, dslot); Ram.Release(@base, CapTypeRules.PageSize); }
                Ram.ReturnSlot(dslot);
                Ram.ReturnSlot(eslot);
                return r;
            }
            _dispatcherCaps[callee] = dc = new DispatcherCaps(dslot, @base, eslot, new List<Cptr>());
        }
        if (!Ram.TryTakeSlot(out var slot)) return CapError.OutOfSlots;
        var m = caps.Mint(CSpace, dc.Endpoint, slot, rights, badge: (uint)(dc.Minted.Count + 1) & CapObjectKey.MaxBadge);
        if (m != CapError.Ok) { Ram.ReturnSlot(slot); return m; }
        dc.Minted.Add(slot);
        return caps.GetHandle(CSpace, slot, out handle);
    }

    /// <summary>
    /// Revokes every endpoint to <paramref name="callee"/> and deletes its Dispatcher capability (the dispatcher is
    /// leaving, or its callers must stop): LRPC bindings to it refuse further calls with <see cref="CapError.Revoked"/>.
    /// </summary>
    public void RevokeEndpoints(Dispatcher callee)
    {
        AssertOnCore();
        if (!_dispatcherCaps.Remove(callee, out var dc)) return;
        var caps = Driver.Capabilities!;
        caps.Revoke(CSpace!, dc.Dispatcher);  // the endpoint and every badged copy
        caps.Delete(CSpace!, dc.Dispatcher);
        Ram!.Release(dc.Base, CapTypeRules.PageSize);
        Ram.ReturnSlot(dc.Dispatcher);
        Ram.ReturnSlot(dc.Endpoint);
        foreach (var slot in dc.Minted) Ram.ReturnSlot(slot);
    }

    /// <summary>A capability for a dispatcher of this core: a copy into its CSpace (and, to give, the source deleted); no other core is involved.</summary>
    CapError MoveLocal(CSpace cs, Cptr cap, DispatcherId to, Cptr destination, CapRights rights, ICapOperationCompletion done, bool give)
    {
        var caps = Driver.Capabilities!;
        if (!_spaces.TryGetValue(to.Pack(), out var dest)) return CapError.InvalidAddress;
        var e = caps.Export(cs, cap, rights, out var sent);
        if (e != CapError.Ok) return e;
        e = caps.Mint(cs, cap, dest, destination, rights, 0);
        if (e != CapError.Ok) return e;
        if (give) caps.Delete(cs, cap);
        done.Completed(new CapOperationResult(CapError.Ok, false, default, sent));
        return CapError.Ok;
    }

    /// <summary>After the agreement on a transfer: sends the capability on, or reports the refusal.</summary>
    sealed class Delivery(MonitorDispatcher monitor, DispatcherId to, Cptr destination, ICapOperationCompletion done) : ICapOperationCompletion
    {
        public void Completed(in CapOperationResult result)
        {
            if (result.Error != CapError.Ok) { done.Completed(result); return; }
            ulong tag = ++monitor._nextRequest;
            if (monitor.FaultOf(to.CoreIndex) != null) { done.Completed(result with { Error = CapError.CoreFaulted }); return; } // no monitor there to import it
            monitor._pendingDeliveries[tag] = (to.CoreIndex, new Delivered(done, result));
            monitor.SendTo(to.CoreIndex, new CapabilityMessages.Transfer(tag, to.Pack(), destination, result.Sent));
        }
    }

    /// <summary>Waits for the receiving monitor's answer, then completes the transfer with the import's result.</summary>
    sealed class Delivered(ICapOperationCompletion done, CapOperationResult agreed) : ICapOperationCompletion
    {
        public void Completed(in CapOperationResult result) => done.Completed(agreed with { Error = result.Error });
    }

    void OnCapabilityTransfer(int from, in UrpcMessage m)
    {
        var t = CapabilityMessages.Transfer.Decode(in m);
        var caps = Driver.Capabilities;
        CapError e = caps == null ? CapError.WrongCore
            : !_spaces.TryGetValue(t.Space, out var space) ? CapError.InvalidAddress
            : caps.Import(space, t.Destination, t.Cap);
        SendTo(from, new CapabilityMessages.Delivered(t.Tag, e));
    }

    /// <summary>
    /// The core stops: no reply can be received any more, so every spawn, bind and ping still waiting for one is
    /// answered here with an error (each requester is told exactly once, by a reply, by PeerFaulted or by this). Messages still waiting in the
    /// backlog for room in a peer's ring will never be sent: the objects their handles name are released.
    /// </summary>
    protected internal override void OnStop()
    {
        _outbox.Discard(static (int _, in UrpcMessage m) => ReleaseUnhandled(in m));
        _pageTable?.Dispose();
        var stopped = new OperationCanceledException($"core #{CoreIndex} stopped before its request to another monitor was answered");
        var spawns = TakePending(_pendingSpawns, static _ => true);
        var binds = TakePending(_pendingBinds, static _ => true);
        var pings = TakePending(_pendingPings, static _ => true);
        foreach (var onReply in spawns) onReply(new(default, stopped));
        foreach (var onBound in binds) onBound(new(null, stopped));
        foreach (var onPinged in pings) onPinged(stopped);
    }

    /// <summary>Removes the requests sent to a core that <paramref name="to"/> accepts and returns their callbacks, for the
    /// caller to run once every table has been emptied of them (a callback then finds no stale entry).</summary>
    static List<TCallback> TakePending<TCallback>(Dictionary<ulong, (int To, TCallback Callback)> pending, Func<int, bool> to)
    {
        var taken = new List<TCallback>();
        foreach (var (key, request) in pending.Where(p => to(p.Value.To)).ToArray())
        {
            pending.Remove(key);
            taken.Add(request.Callback);
        }
        return taken;
    }

    /// <summary>
    /// A monitor message that will never be handled (left in a ring or a backlog when the cores stopped) gives up the
    /// object its handle names, which would otherwise stay pinned for the life of the process: a spawn's image, a spawn's
    /// error, a bind's binding or error, a host call. Messages without a handle are dropped as they are.
    /// </summary>
    internal static void ReleaseUnhandled(in UrpcMessage m)
    {
        switch (m.Type)
        {
            case SpawnRequest.TypeId:
                ObjectHandle.Take<object>(SpawnRequest.Decode(in m).Image);
                break;
            case SpawnReply.TypeId:
            {
                nint error = SpawnReply.Decode(in m).Error;
                if (error != 0) ObjectHandle.Take<object>(error);
                break;
            }
            case BindReply.TypeId:
            {
                var reply = BindReply.Decode(in m);
                if (reply.Binding != 0) ObjectHandle.Take<object>(reply.Binding);
                if (reply.Error != 0) ObjectHandle.Take<object>(reply.Error);
                break;
            }
            case HostCall.TypeId:
                ObjectHandle.Take<object>(HostCall.Decode(in m).Call);
                break;
        }
    }

    /// <summary>Registers the handler for an extension message type (≥ <see cref="MonitorMessages.FirstExtension"/>, except the agreement's and the capability transfer's).</summary>
    public void RegisterHandler(byte type, MonitorHandler handler)
    {
        AssertOnCore();
        if (type < FirstExtension) throw new ArgumentOutOfRangeException(nameof(type), type, $"types below {FirstExtension} belong to the monitor protocol");
        if (AgreementMessages.IsAgreement(type) || type is CapabilityMessages.Transfer.TypeId or CapabilityMessages.Delivered.TypeId)
            throw new ArgumentOutOfRangeException(nameof(type), type, "the monitor handles the agreement protocol (64..69) and capability transfers (72, 73) itself");
        if (_handlers[type] != null) throw new InvalidOperationException($"message type {type} already has a handler on core #{CoreIndex}");
        _handlers[type] = handler;
    }

    /// <summary>Sends a message to the monitor of core index <paramref name="to"/>; queued locally if its ring is full.</summary>
    public void SendTo<T>(int to, in T message) where T : struct, IUrpcMessage<T>
    {
        AssertPeer(to);
        _outbox.Send(to, in message);
    }

    /// <summary>Sends a message in its raw form (e.g. one a service forwards) to the monitor of core index <paramref name="to"/>.</summary>
    public void SendTo(int to, in UrpcMessage message)
    {
        AssertPeer(to);
        _outbox.Send(to, in message);
    }

    void AssertPeer(int to)
    {
        AssertOnCore();
        if ((uint)to >= (uint)_peers.Length || _peers[to] == null)
            throw new ArgumentException($"core #{to} is this monitor's own core or not booted", nameof(to));
    }

    /// <summary>
    /// Pings the monitor on core index <paramref name="to"/>; <paramref name="onReply"/> runs here once, with null when
    /// it answers, with the error naming the fault when that core's CPU driver has faulted (thread mode; at once if
    /// the fault is already known), or with an <see cref="OperationCanceledException"/> when this core stops first.
    /// </summary>
    public void Ping(int to, Action<Exception?> onReply)
    {
        AssertPeer(to); // before anything is recorded: a refused ping leaves no pending entry
        ArgumentNullException.ThrowIfNull(onReply);
        if (FaultOf(to) is { } fault) { onReply(fault); return; }
        ulong token = ++_nextRequest;
        _pendingPings[token] = (to, onReply);
        SendTo(to, new MonitorMessages.Ping(token, CoreIndex));
    }

    /// <summary>
    /// Starts a dispatcher made by <paramref name="image"/> on core index <paramref name="to"/> (this core or another);
    /// <paramref name="onReply"/> runs on this core with the new dispatcher's id or the error.
    /// The image is code plus read-only data, shared like a program text segment; only a handle to it crosses cores.
    /// </summary>
    public void SpawnOn(int to, Func<Dispatcher> image, Action<MonitorReply<DispatcherId>> onReply)
    {
        AssertOnCore();
        // Checked before the image's handle exists: a request that cannot be sent leaves no handle and no pending entry.
        if ((uint)to >= (uint)CoreCount) throw new ArgumentOutOfRangeException(nameof(to), to, $"core index must be 0..{CoreCount - 1}");
        if (to == CoreIndex)
        {
            onReply(StartLocal(image));
            return;
        }
        if (FaultOf(to) is { } fault) { onReply(new(default, fault)); return; }
        ulong id = ++_nextRequest;
        _pendingSpawns[id] = (to, onReply);
        SendTo(to, new SpawnRequest(id, ObjectHandle.Pass(image)));
    }

    /// <summary>
    /// Thread mode: core index <paramref name="core"/>'s CPU driver stopped on <paramref name="fault"/>, so its monitor
    /// answers nothing any more. Every ping, spawn and bind this monitor sent there fails now, naming the fault, and every
    /// later one fails at once (both run on this core's thread, so none is sent after this and left waiting); so does
    /// a capability's delivery there (<see cref="CapError.CoreFaulted"/>). If the memory server ran there, this core's
    /// RAM cache stops waiting for a refill (<see cref="RamCache.ServerFaulted"/>). The agreement service stops waiting
    /// for it too (<see cref="AgreementService.PeerFaulted"/>). A message to it that finds its ring full, now or later
    /// (a reply to a request it sent before the fault), is dropped (<see cref="UrpcOutbox.Close"/>), its handles released.
    /// </summary>
    internal void PeerFaulted(int core, Exception fault)
    {
        AssertPeer(core);
        ArgumentNullException.ThrowIfNull(fault);
        (_faultedPeers ??= new Exception?[CoreCount])[core] ??= fault;
        var error = FaultOf(core)!;
        var spawns = TakePending(_pendingSpawns, to => to == core);
        var binds = TakePending(_pendingBinds, to => to == core);
        var pings = TakePending(_pendingPings, to => to == core);
        var deliveries = TakePending(_pendingDeliveries, to => to == core);
        foreach (var onReply in spawns) onReply(new(default, error));
        foreach (var onBound in binds) onBound(new(null, error));
        foreach (var onPinged in pings) onPinged(error);
        foreach (var delivery in deliveries) delivery.Completed(new CapOperationResult(CapError.CoreFaulted, true, default, default));
        // The memory server there answers no refill: the RAM cache stops waiting for one (its waiters are told now).
        if (core == _setup.MemoryServerCore) Ram?.ServerFaulted();
        // What waits for room in its ring, now or later (a reply to a request it sent before it faulted), never goes: the
        // dead monitor reads nothing, and a backlog kept would keep this core polling for ever.
        _outbox.Close(core, static (in UrpcMessage m) => ReleaseUnhandled(in m));
        _agreement?.PeerFaulted(core);
    }

    InvalidOperationException? FaultOf(int core) => _faultedPeers?[core] is { } fault
        ? new InvalidOperationException($"core #{core}'s CPU driver stopped on an unhandled exception ({fault.GetType().Name}: {fault.Message}); its monitor answers no request", fault)
        : null;

    MonitorReply<DispatcherId> StartLocal(Func<Dispatcher> image)
    {
        try { return new(Driver.Adopt(image()), null); }
        catch (Exception e) { return new(default, e); }
    }

    /// <summary>
    /// Binds this core (the client) to core index <paramref name="server"/>: a bind request goes to the server's
    /// monitor, which allocates the two rings of <paramref name="slots"/> slots, each on its receiver's NUMA node,
    /// and replies; <paramref name="onBound"/> runs here with the binding (or the error). Binding to this core itself
    /// allocates both rings here at once.
    /// </summary>
    public void Bind(int server, int slots, Action<MonitorReply<UrpcBinding>> onBound)
    {
        AssertOnCore();
        UrpcRing.ValidateSlots(slots, nameof(slots));
        if ((uint)server >= (uint)CoreCount) throw new ArgumentOutOfRangeException(nameof(server), server, $"core index must be 0..{CoreCount - 1}");
        if (server == CoreIndex)
        {
            onBound(AllocateBinding(CoreIndex, slots));
            return;
        }
        if (FaultOf(server) is { } fault) { onBound(new(null, fault)); return; }
        ulong id = ++_nextRequest;
        _pendingBinds[id] = (server, onBound);
        SendTo(server, new BindRequest(id, slots));
    }

    /// <summary>
    /// Serves a bind from the host (the process outside the system) to this core: allocates the two rings, the one
    /// into this core on its NUMA node, the one into the host by first touch. The binding's client end is the host's.
    /// </summary>
    internal UrpcBinding BindHost(int slots)
    {
        AssertOnCore();
        UrpcRing.ValidateSlots(slots, nameof(slots));
        return AllocateBinding(-1, slots).ValueOrThrow("allocating a host binding");
    }

    /// <summary>
    /// Allocates a broadcast buffer written by this core and read by the cores <paramref name="readers"/> (core
    /// indices, in reader order): its slots on this core's NUMA node, each reader's state on that reader's node.
    /// </summary>
    public BroadcastChannel CreateBroadcast(IReadOnlyList<int> readers, int slots)
    {
        AssertOnCore();
        ArgumentNullException.ThrowIfNull(readers);
        foreach (int r in readers)
            if ((uint)r >= (uint)CoreCount || r == CoreIndex)
                throw new ArgumentOutOfRangeException(nameof(readers), r, $"a reader is another booted core: 0..{CoreCount - 1} without the writer #{CoreIndex}");
        if (Region != null) return Region.OpenBroadcastWriter(CreateSharedBroadcast(readers, slots));
        var nodes = new int[readers.Count];
        for (int i = 0; i < nodes.Length; i++) nodes[i] = NodeOfCore(readers[i]);
        var channel = new BroadcastChannel(slots, readers.Count, NodeOfCore(CoreIndex), nodes);
        _broadcasts.Add(channel);
        return channel;
    }

    /// <summary>
    /// Process mode: allocates a broadcast buffer written by this core and read by <paramref name="readers"/> in the
    /// shared region (slots on this core's node, each reader's state on its own) and returns its name across
    /// processes, which the writer and every reader open (<see cref="SharedRegion.OpenBroadcastWriter"/>, ...Reader).
    /// </summary>
    internal long CreateSharedBroadcast(IReadOnlyList<int> readers, int slots)
    {
        AssertOnCore();
        if (Region == null) throw new InvalidOperationException("a broadcast buffer has a name across processes only in process mode");
        foreach (int r in readers)
            if ((uint)r >= (uint)CoreCount || r == CoreIndex)
                throw new ArgumentOutOfRangeException(nameof(readers), r, $"a reader is another booted core: 0..{CoreCount - 1} without the writer #{CoreIndex}");
        return Region.AllocateBroadcast(CoreIndex, readers, slots);
    }

    /// <summary>The one place a monitor allocates a binding's memory (the seam where the rings become Frame capabilities).</summary>
    MonitorReply<UrpcBinding> AllocateBinding(int client, int slots)
    {
        try
        {
            var b = Region != null ? Region.AllocateBinding(slots, client, CoreIndex)
                : UrpcBinding.Allocate(slots, NodeOfCore(client), NodeOfCore(CoreIndex));
            if (_bindings.Count >= 64) _bindings.RemoveAll(static x => x.IsFreed); // holders that freed theirs early
            _bindings.Add(b);
            return new(b, null);
        }
        catch (Exception e) { return new(null, e); }
    }

    /// <summary>After this core has stopped (called by the system on the host): frees every binding and broadcast buffer this monitor allocated.</summary>
    internal void FreeChannels()
    {
        foreach (var b in _bindings) b.Dispose();
        foreach (var c in _broadcasts) c.Dispose();
        _bindings.Clear();
        _broadcasts.Clear();
    }

    void OnPeerMessage(int from, in UrpcMessage m)
    {
        switch (m.Type)
        {
            case MonitorMessages.Ping.TypeId:
                SendTo(from, new Pong(MonitorMessages.Ping.Decode(in m).Token, CoreIndex));
                break;
            case Pong.TypeId:
                if (_pendingPings.Remove(Pong.Decode(in m).Token, out var pong)) pong.OnReply(null);
                break;
            case SpawnRequest.TypeId:
            {
                var request = SpawnRequest.Decode(in m);
                var r = StartLocal(ObjectHandle.Take<Func<Dispatcher>>(request.Image));
                SendTo(from, new SpawnReply(request.RequestId, r.Value, r.Error == null ? 0 : ObjectHandle.Pass(r.Error)));
                break;
            }
            case SpawnReply.TypeId:
            {
                var reply = SpawnReply.Decode(in m);
                if (!_pendingSpawns.Remove(reply.RequestId, out var spawn))
                {
                    ReleaseUnhandled(in m); // the request already failed (PeerFaulted): nobody takes its error
                    break;
                }
                var onReply = spawn.OnReply;
                onReply(reply.Error == 0 ? new(reply.Dispatcher, null) : new(default, ObjectHandle.Take<Exception>(reply.Error)));
                break;
            }
            case BindRequest.TypeId:
            {
                var request = BindRequest.Decode(in m);
                var r = AllocateBinding(from, request.Slots);
                if (Region != null)
                    SendTo(from, r.Ok
                        ? new RegionBindReply(request.RequestId, r.Value!.Name!.Value.ToServer, r.Value.Name.Value.ToClient, request.Slots, 0)
                        : new RegionBindReply(request.RequestId, 0, 0, request.Slots, Region.WriteError(CoreIndex, r.Error!.Message)));
                else
                    SendTo(from, r.Ok ? new BindReply(request.RequestId, ObjectHandle.Pass(r.Value!), 0) : new BindReply(request.RequestId, 0, ObjectHandle.Pass(r.Error!)));
                break;
            }
            case RegionBindReply.TypeId:
            {
                var reply = RegionBindReply.Decode(in m);
                if (!_pendingBinds.Remove(reply.RequestId, out var bind)) break;
                var onBound = bind.OnBound;
                onBound(reply.Status == 0
                    ? new(Region!.OpenBinding(new UrpcBindingName(reply.ToServer, reply.ToClient, reply.Slots, CoreIndex, from)), null)
                    : new(null, new InvalidOperationException($"core #{from}: {Region!.ReadError(from, reply.Status)}")));
                break;
            }
            case BindReply.TypeId:
            {
                var reply = BindReply.Decode(in m);
                if (!_pendingBinds.Remove(reply.RequestId, out var bind))
                {
                    // The request already failed (PeerFaulted): nobody will ever hold this binding, and its server
                    // monitor only made it, so its rings are freed now rather than at shutdown.
                    if (reply.Binding != 0) ObjectHandle.Take<UrpcBinding>(reply.Binding).Dispose();
                    if (reply.Error != 0) ObjectHandle.Take<object>(reply.Error);
                    break;
                }
                var onBound = bind.OnBound;
                onBound(reply.Error == 0 ? new(ObjectHandle.Take<UrpcBinding>(reply.Binding), null) : new(null, ObjectHandle.Take<Exception>(reply.Error)));
                break;
            }
            case >= AgreementMessages.Apply and <= AgreementMessages.Ack:
                Agreement.OnMessage(from, in m);
                break;
            case CapabilityMessages.Transfer.TypeId:
                OnCapabilityTransfer(from, in m);
                break;
            case CapabilityMessages.Delivered.TypeId:
            {
                var d = CapabilityMessages.Delivered.Decode(in m);
                if (_pendingDeliveries.Remove(d.Tag, out var waiting)) waiting.Done.Completed(new CapOperationResult(d.Error, true, default, default));
                break;
            }
            default:
                var handler = _handlers[m.Type]
                    ?? throw new InvalidOperationException($"monitor on core #{CoreIndex} got message type {m.Type} from core #{from} with no handler");
                handler(this, from, in m);
                break;
        }
    }

    void OnHostMessage(in UrpcMessage m)
    {
        switch (m.Type)
        {
            case HostCall.TypeId:
                ObjectHandle.Take<HostCallRequest>(HostCall.Decode(in m).Call).Execute(this);
                break;
            case Shutdown.TypeId:
                Driver.RequestStop();
                break;
            case HostRequest.TypeId:
            {
                var request = HostRequest.Decode(in m);
                var reply = new RegionReply(this, request.RequestId);
                try { Program!.Request(request.Name).Handler(this, request.Args, reply); }
                catch (Exception e) when (!reply.Answered) { reply.Fail(e); }
                break;
            }
            case HostSpawn.TypeId:
            {
                var spawn = HostSpawn.Decode(in m);
                var reply = new RegionReply(this, spawn.RequestId);
                try { reply.Complete(new CoreArgs(SpawnNamed(spawn.Image, spawn.Args).Pack())); }
                catch (Exception e) when (!reply.Answered) { reply.Fail(e); }
                break;
            }
            default:
                throw new InvalidOperationException($"monitor on core #{CoreIndex} got message type {m.Type} on its host port");
        }
    }

    /// <summary>Starts a dispatcher on this core from the image registered as <paramref name="image"/> (its id) in the core program.</summary>
    internal DispatcherId SpawnNamed(ulong image, CoreArgs args)
    {
        AssertOnCore();
        var program = Program ?? throw new InvalidOperationException("this system was booted without a CoreProgram (MultikernelOptions.Program): it knows no image by name");
        return Driver.Adopt(program.Image(image).Image(this, args));
    }

    /// <summary>Process mode: an answer to the host on this monitor's reply port (an error as the code of a text kept in the region).</summary>
    sealed class RegionReply(MonitorDispatcher monitor, ulong requestId) : CoreReply(monitor)
    {
        private protected override void Send(CoreArgs result, Exception? error)
        {
            var m = Monitor;
            int status = error == null ? 0 : m.Region!.WriteError(m.CoreIndex, $"{error.GetType().Name}: {error.Message}");
            m._hostReplies!.Send(new HostReply(requestId, status, result));
        }
    }

}

/// <summary>Work the host (the process outside the multikernel, e.g. a test or an experiment driver) asks a monitor to do on its core.</summary>
internal abstract class HostCallRequest
{
    public abstract void Execute(MonitorDispatcher monitor);

    /// <summary>True once the host's task has its result or its error.</summary>
    public abstract bool IsCompleted { get; }

    /// <summary>Fails the host's task with <paramref name="error"/> unless it has completed (the cores stopped with the call unanswered).</summary>
    public abstract void Abandon(Exception error);
}

using Multikernel.CoreProcesses;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Urpc;
using static Multikernel.Monitor.MonitorMessages;

namespace Multikernel.Monitor;

/// <summary>
/// The monitor: a dispatcher on every core that owns the core's share of system state and talks to the other
/// monitors only by URPC (one binding per pair of cores). At another monitor's request it starts dispatchers on its
/// core and serves binds (it allocates the rings of a new binding, each on its receiver's NUMA node, as Barrelfish's
/// monitors do for <c>ump_chan_bind</c>/<c>accept</c>); services register extra message types with
/// <see cref="RegisterHandler"/> and extra event sources in its <see cref="Dispatcher.Waitset"/>.
/// <para>Two boot modes. Thread mode: every core is a thread of one process; the host's calls, spawned images and
/// bind replies are objects passed by GC handle. Process mode: every core is a process of its own
/// (<see cref="CoreProcesses.CoreProcess"/>) with this monitor in it; channel memory comes from the shared region
/// (<see cref="Region"/>), the host asks by registered name (<see cref="MonitorMessages.HostRequest"/>,
/// <see cref="MonitorMessages.HostSpawn"/>) and answers on its reply port, and a bind is answered with ring offsets.</para>
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
    readonly Dictionary<ulong, Action<MonitorReply<DispatcherId>>> _pendingSpawns = new();
    readonly Dictionary<ulong, Action<MonitorReply<UrpcBinding>>> _pendingBinds = new();
    readonly Dictionary<ulong, Action> _pendingPings = new();
    readonly MonitorHandler?[] _handlers = new MonitorHandler?[256];
    readonly List<UrpcBinding> _bindings = new();
    readonly List<BroadcastChannel> _broadcasts = new();
    readonly Dictionary<Type, object> _services = new();
    readonly SharedRegion? _region;
    readonly CoreProgram? _program;
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
    public SharedRegion? Region => _region;
    /// <summary>The images and requests this core knows by name (null in thread mode when the system was booted without one).</summary>
    public CoreProgram? Program => _program;

    internal MonitorDispatcher(IReadOnlyList<int> cores, MachineTopology topology, CoreProgram? program = null, SharedRegion? region = null) : base("monitor")
    {
        _peers = new UrpcEndpoint?[cores.Count];
        _peerSenders = new UrpcSender?[cores.Count];
        _outbox = new UrpcOutbox(_peerSenders);
        _topology = topology;
        _program = program;
        _region = region;
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

    /// <summary>Registers a core-local service layered on this monitor (one per type), e.g. the TLB shootdown service.</summary>
    public void AddService<T>(T service) where T : class
    {
        AssertOnCore();
        ArgumentNullException.ThrowIfNull(service);
        if (!_services.TryAdd(typeof(T), service)) throw new InvalidOperationException($"core #{CoreIndex} already has a {typeof(T).Name}");
    }

    /// <summary>The core-local service of type <typeparamref name="T"/> on this core, or null.</summary>
    public T? Service<T>() where T : class
    {
        AssertOnCore();
        return _services.TryGetValue(typeof(T), out var s) ? (T)s : null;
    }

    /// <summary>
    /// Process mode: this core process's own page table for domains' memory (created on first use). Thread mode has
    /// none: its page tables are the shared <see cref="VSpace"/> and its TLBs software models.
    /// </summary>
    public HardwarePageTable PageTable
    {
        get
        {
            AssertOnCore();
            if (_pageTable != null) return _pageTable;
            if (_region == null) throw new InvalidOperationException("a core has a real page table only in process mode (MultikernelOptions.Mode = BootMode.ProcessPerCore)");
            _pageTable = new HardwarePageTable(_region.MemoryFd);
            _pageTable.BindToCurrentThread();
            return _pageTable;
        }
    }

    /// <summary>NUMA node of core index <paramref name="coreIndex"/> (-1 for the host, which is no core of the system).</summary>
    int NodeOfCore(int coreIndex) => coreIndex < 0 ? -1 : _topology.NumaNodeOf(Cores[coreIndex]);

    protected internal override void OnStart()
    {
        Waitset.AddPeers(_peers, OnPeerMessage);
        if (_hostPort != null) Waitset.Add(_hostPort, OnHostMessage);
    }

    protected internal override bool HasLocalWork => _outbox.Pending > 0;

    protected internal override bool Run() => _outbox.Flush();

    protected internal override void OnStop() => _pageTable?.Dispose();

    /// <summary>Registers the handler for an extension message type (≥ <see cref="MonitorMessages.FirstExtension"/>).</summary>
    public void RegisterHandler(byte type, MonitorHandler handler)
    {
        AssertOnCore();
        if (type < FirstExtension) throw new ArgumentOutOfRangeException(nameof(type), type, $"types below {FirstExtension} belong to the monitor protocol");
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

    /// <summary>Pings the monitor on core index <paramref name="to"/>; <paramref name="onPong"/> runs here when it answers.</summary>
    public void Ping(int to, Action onPong)
    {
        AssertOnCore();
        ulong token = ++_nextRequest;
        _pendingPings[token] = onPong;
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
        if (to == CoreIndex)
        {
            onReply(StartLocal(image));
            return;
        }
        ulong id = ++_nextRequest;
        _pendingSpawns[id] = onReply;
        SendTo(to, new SpawnRequest(id, ObjectHandle.Pass(image)));
    }

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
        ulong id = ++_nextRequest;
        _pendingBinds[id] = onBound;
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
        if (_region != null) return _region.OpenBroadcastWriter(CreateSharedBroadcast(readers, slots));
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
        if (_region == null) throw new InvalidOperationException("a broadcast buffer has a name across processes only in process mode");
        foreach (int r in readers)
            if ((uint)r >= (uint)CoreCount || r == CoreIndex)
                throw new ArgumentOutOfRangeException(nameof(readers), r, $"a reader is another booted core: 0..{CoreCount - 1} without the writer #{CoreIndex}");
        return _region.AllocateBroadcast(CoreIndex, readers, slots);
    }

    /// <summary>The one place a monitor allocates a binding's memory (the seam where the rings become Frame capabilities).</summary>
    MonitorReply<UrpcBinding> AllocateBinding(int client, int slots)
    {
        try
        {
            var b = _region != null ? _region.AllocateBinding(slots, client, CoreIndex)
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
                if (_pendingPings.Remove(Pong.Decode(in m).Token, out var pong)) pong();
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
                if (!_pendingSpawns.Remove(reply.RequestId, out var onReply)) break;
                onReply(reply.Error == 0 ? new(reply.Dispatcher, null) : new(default, ObjectHandle.Take<Exception>(reply.Error)));
                break;
            }
            case BindRequest.TypeId:
            {
                var request = BindRequest.Decode(in m);
                var r = AllocateBinding(from, request.Slots);
                if (_region != null)
                    SendTo(from, r.Ok
                        ? new RegionBindReply(request.RequestId, r.Value!.Name!.Value.ToServer, r.Value.Name.Value.ToClient, request.Slots, 0)
                        : new RegionBindReply(request.RequestId, 0, 0, request.Slots, _region.WriteError(CoreIndex, r.Error!.Message)));
                else
                    SendTo(from, r.Ok ? new BindReply(request.RequestId, ObjectHandle.Pass(r.Value!), 0) : new BindReply(request.RequestId, 0, ObjectHandle.Pass(r.Error!)));
                break;
            }
            case RegionBindReply.TypeId:
            {
                var reply = RegionBindReply.Decode(in m);
                if (!_pendingBinds.Remove(reply.RequestId, out var onBound)) break;
                onBound(reply.Status == 0
                    ? new(_region!.OpenBinding(new UrpcBindingName(reply.ToServer, reply.ToClient, reply.Slots, CoreIndex, from)), null)
                    : new(null, new InvalidOperationException($"core #{from}: {_region!.ReadError(from, reply.Status)}")));
                break;
            }
            case BindReply.TypeId:
            {
                var reply = BindReply.Decode(in m);
                if (!_pendingBinds.Remove(reply.RequestId, out var onBound)) break;
                onBound(reply.Error == 0 ? new(ObjectHandle.Take<UrpcBinding>(reply.Binding), null) : new(null, ObjectHandle.Take<Exception>(reply.Error)));
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
            int status = error == null ? 0 : m._region!.WriteError(m.CoreIndex, $"{error.GetType().Name}: {error.Message}");
            m._hostReplies!.Send(new HostReply(requestId, status, result));
        }
    }

}

/// <summary>Work the host (the process outside the multikernel, e.g. a test or an experiment driver) asks a monitor to do on its core.</summary>
internal abstract class HostCallRequest
{
    public abstract void Execute(MonitorDispatcher monitor);
}

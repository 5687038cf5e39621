using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Urpc;
using static Multikernel.Monitor.ShootdownMessages;

namespace Multikernel.Monitor;

/// <summary>
/// The TLB shootdown service of one core, layered on its monitor: it owns the core's <see cref="ShootdownProtocol"/>
/// state and what a shootdown changes on the core (<see cref="ICoreMmu"/>: a software <see cref="Memory.Tlb"/> in thread
/// mode, the core process's own <see cref="HardwarePageTable"/> in process mode); it sends and receives requests and acks over the monitors' URPC bindings
/// (handlers registered on the monitor), writes its broadcasts into its own broadcast buffer, and reads every other
/// core's buffer through receivers in the monitor's waitset. It is no dispatcher of its own: a waitset polls any event
/// source, and the service itself is one for its backlog of broadcasts waiting for room (which keeps the core awake
/// while it is not empty).
/// <para>Invariant: created on its core's thread (inside a call on that core's monitor) and used only there; code on
/// the core reaches it through its monitor (<see cref="Of"/>) or, in thread mode, <see cref="ShootdownInstallation.On"/>.</para>
/// </summary>
public sealed class ShootdownService : IShootdownTransport, IEventSource
{
    readonly MonitorDispatcher _monitor;
    readonly BroadcastChannel? _outgoing; // null on a one-core system: no other core to reach
    readonly Queue<UrpcMessage> _broadcastBacklog = new();

    public ShootdownProtocol Protocol { get; }
    /// <summary>This core's software TLB (thread mode only).</summary>
    public Tlb Tlb => Protocol.Tlb;

    ShootdownService(MonitorDispatcher monitor, BroadcastChannel? outgoing, ICoreMmu mmu, MachineTopology topology, IReadOnlyList<int> cpuOfCore, RoutingGrouping grouping)
    {
        _monitor = monitor;
        _outgoing = outgoing;
        Protocol = new ShootdownProtocol(monitor.CoreIndex, mmu, this, topology, cpuOfCore, grouping);
    }

    /// <summary>The service on <paramref name="monitor"/>'s core (call on that core); throws if none is installed.</summary>
    public static ShootdownService Of(MonitorDispatcher monitor) =>
        monitor.Service<ShootdownService>() ?? throw new InvalidOperationException($"no TLB shootdown service is installed on core #{monitor.CoreIndex} (ShootdownInstallation.Install)");

    /// <summary>Creates the thread-mode service on the calling core (which must be <paramref name="monitor"/>'s) and hooks it into the monitor.</summary>
    internal static ShootdownService CreateOn(MonitorDispatcher monitor, ShootdownInstallation installation)
    {
        monitor.AssertOnCore();
        var tlb = new Tlb(installation.Options.TlbEntries);
        tlb.BindToCurrentThread();
        int me = monitor.CoreIndex;
        var readers = new BroadcastReceiver?[installation.CoreCount];
        for (int c = 0; c < readers.Length; c++)
            if (c != me) readers[c] = installation.ReaderOf(c, me);
        return CreateOn(monitor, installation.BroadcastOf(me), readers, tlb, installation.Topology, installation.CpuOfCore, installation.Options.Grouping);
    }

    /// <summary>
    /// Creates the service on the calling core with its own broadcast buffer <paramref name="outgoing"/>, this core's
    /// reader of every other core's buffer (<paramref name="readers"/>, by writer; null at this core's index) and what a
    /// shootdown changes here (<paramref name="mmu"/>), hooks it into the monitor and registers it as a monitor service.
    /// </summary>
    internal static ShootdownService CreateOn(MonitorDispatcher monitor, BroadcastChannel? outgoing, IReadOnlyList<BroadcastReceiver?> readers, ICoreMmu mmu,
        MachineTopology topology, IReadOnlyList<int> cpuOfCore, RoutingGrouping grouping)
    {
        monitor.AssertOnCore();
        var s = new ShootdownService(monitor, outgoing, mmu, topology, cpuOfCore, grouping);
        var protocol = s.Protocol;
        MonitorHandler handler = (MonitorDispatcher self, int fromCore, in UrpcMessage m) => protocol.OnMessage(fromCore, in m);
        monitor.RegisterHandler((byte)RequestKind.Invalidate, handler);
        monitor.RegisterHandler((byte)RequestKind.Forward, handler);
        monitor.RegisterHandler(Ack.TypeId, handler);
        for (int c = 0; c < readers.Count; c++)
        {
            if (readers[c] is not { } reader) continue;
            int initiator = c;
            monitor.Waitset.Add(reader, (in UrpcMessage m) => protocol.OnBroadcast(initiator, in m));
        }
        monitor.Waitset.Add(s);
        monitor.AddService(s);
        return s;
    }

    void IShootdownTransport.Send(int to, in UrpcMessage message) => _monitor.SendTo(to, in message);

    void IShootdownTransport.Broadcast(in UrpcMessage message)
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

using Multikernel.Memory;
using Multikernel.Urpc;
using static Multikernel.Monitor.ShootdownMessages;

namespace Multikernel.Monitor;

/// <summary>
/// The TLB shootdown service of one core, layered on its monitor: it owns the core's <see cref="Memory.Tlb"/> and
/// <see cref="ShootdownProtocol"/> state; it sends and receives requests and acks over the monitors' URPC bindings
/// (handlers registered on the monitor), writes its broadcasts into its own broadcast buffer, and reads every other
/// core's buffer through receivers in the monitor's waitset. It is no dispatcher of its own: a waitset polls any event
/// source, and the service itself is one for its backlog of broadcasts waiting for room (which keeps the core awake
/// while it is not empty).
/// <para>Invariant: created on its core's thread (inside a call on that core's monitor) and used only there; code on
/// the core reaches it through <see cref="ShootdownInstallation.On"/>.</para>
/// </summary>
public sealed class ShootdownService : IShootdownTransport, IEventSource
{
    readonly MonitorDispatcher _monitor;
    readonly BroadcastChannel? _outgoing; // null on a one-core system: no other core to reach
    readonly Queue<UrpcMessage> _broadcastBacklog = new();

    public ShootdownProtocol Protocol { get; }
    public Tlb Tlb => Protocol.Tlb;

    ShootdownService(MonitorDispatcher monitor, ShootdownInstallation installation)
    {
        _monitor = monitor;
        int me = monitor.CoreIndex;
        _outgoing = installation.BroadcastOf(me);
        var tlb = new Tlb(installation.Options.TlbEntries);
        tlb.BindToCurrentThread();
        Protocol = new ShootdownProtocol(me, tlb, this, installation.Topology, installation.CpuOfCore, installation.Options.Grouping);
    }

    /// <summary>Creates the service on the calling core (which must be <paramref name="monitor"/>'s) and hooks it into the monitor.</summary>
    internal static ShootdownService CreateOn(MonitorDispatcher monitor, ShootdownInstallation installation)
    {
        monitor.AssertOnCore();
        var s = new ShootdownService(monitor, installation);
        var protocol = s.Protocol;
        MonitorHandler handler = (MonitorDispatcher self, int fromCore, in UrpcMessage m) => protocol.OnMessage(fromCore, in m);
        monitor.RegisterHandler((byte)RequestKind.Invalidate, handler);
        monitor.RegisterHandler((byte)RequestKind.Forward, handler);
        monitor.RegisterHandler(Ack.TypeId, handler);
        int me = monitor.CoreIndex;
        for (int c = 0; c < installation.CoreCount; c++)
        {
            if (c == me) continue;
            int initiator = c;
            monitor.Waitset.Add(installation.ReaderOf(c, me), (in UrpcMessage m) => protocol.OnBroadcast(initiator, in m));
        }
        monitor.Waitset.Add(s);
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

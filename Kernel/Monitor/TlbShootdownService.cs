using Multikernel.CpuDriver;
using Multikernel.Memory;
using Multikernel.Urpc;

namespace Multikernel.Monitor;

/// <summary>
/// The TLB shootdown service of one core, layered on its monitor: it owns the core's <see cref="Memory.Tlb"/> and
/// <see cref="TlbShootdown"/> state, sends and receives requests and acks over the monitors' URPC bindings (handlers
/// registered on the monitor), writes its broadcasts into its own broadcast buffer and polls every other core's
/// buffer. It is a dispatcher of its own beside the monitor only because a waitset holds URPC channels, not broadcast
/// readers: its run upcall polls the readers, and it keeps the core awake while a broadcast is waiting.
/// <para>Invariant: created on its core's thread (inside a call on that core's monitor) and used only there; code on
/// the core reaches it through <see cref="TlbShootdownSystem.On"/>.</para>
/// </summary>
public sealed class TlbShootdownService : Dispatcher, ITlbShootdownTransport
{
    readonly Monitor _monitor;
    readonly BroadcastChannel? _outgoing; // null on a one-core system: no other core to reach
    readonly BroadcastChannel.Reader[] _incoming;
    readonly int[] _incomingFrom;
    readonly Queue<(byte Type, UrpcPayload Words)> _broadcastBacklog = new();
    readonly Action _onStop;

    public TlbShootdown Shootdown { get; }
    public Tlb Tlb => Shootdown.Tlb;

    TlbShootdownService(Monitor monitor, TlbShootdownSystem system, Action onStop) : base("tlb-shootdown")
    {
        _monitor = monitor;
        _onStop = onStop;
        int me = monitor.CoreIndex;
        _outgoing = system.BroadcastOf(me);
        var readers = new List<BroadcastChannel.Reader>();
        var from = new List<int>();
        for (int c = 0; c < system.CoreCount; c++)
        {
            if (c == me) continue;
            readers.Add(system.ReaderOf(c, me));
            from.Add(c);
        }
        _incoming = readers.ToArray();
        _incomingFrom = from.ToArray();
        var tlb = new Tlb(system.Options.TlbEntries);
        tlb.BindToCurrentThread();
        Shootdown = new TlbShootdown(me, tlb, this, system.Topology, system.CpuOfCore, system.Options.Grouping);
    }

    /// <summary>Creates the service on the calling core (which must be <paramref name="monitor"/>'s), registers its handlers and starts it.</summary>
    internal static TlbShootdownService CreateOn(Monitor monitor, TlbShootdownSystem system, Action onStop)
    {
        monitor.AssertOnCore();
        var s = new TlbShootdownService(monitor, system, onStop);
        var engine = s.Shootdown;
        MonitorHandler handler = (Monitor self, int fromCore, in UrpcMessage m) => engine.OnMessage(fromCore, in m);
        monitor.RegisterHandler(TlbShootdownMessage.Invalidate, handler);
        monitor.RegisterHandler(TlbShootdownMessage.Forward, handler);
        monitor.RegisterHandler(TlbShootdownMessage.Ack, handler);
        foreach (var r in s._incoming) r.Notifier = monitor.Driver.Notifier;
        monitor.Driver.Adopt(s);
        return s;
    }

    void ITlbShootdownTransport.Send(int to, byte type, ulong w0, ulong w1, ulong w2, ulong w3, ulong w4, ulong w5, ulong w6) =>
        _monitor.SendTo(to, type, w0, w1, w2, w3, w4, w5, w6);

    void ITlbShootdownTransport.Broadcast(byte type, ulong w0, ulong w1, ulong w2, ulong w3, ulong w4, ulong w5, ulong w6)
    {
        if (_outgoing == null) throw new InvalidOperationException("a one-core system has no broadcast buffer: there is no other core to reach");
        if (_broadcastBacklog.Count == 0 && _outgoing.TrySend(type, w0, w1, w2, w3, w4, w5, w6)) return;
        UrpcPayload words = default;
        words[0] = w0; words[1] = w1; words[2] = w2; words[3] = w3; words[4] = w4; words[5] = w5; words[6] = w6;
        _broadcastBacklog.Enqueue((type, words));
    }

    protected internal override bool HasLocalWork
    {
        get
        {
            if (_broadcastBacklog.Count > 0) return true;
            foreach (var r in _incoming) if (r.HasMessage()) return true;
            return false;
        }
    }

    protected internal override bool Run()
    {
        bool progress = false;
        var incoming = _incoming;
        for (int i = 0; i < incoming.Length; i++)
        {
            if (!incoming[i].TryReceive(out UrpcMessage m)) continue;
            progress = true;
            Shootdown.OnBroadcast(_incomingFrom[i], in m);
        }
        while (_broadcastBacklog.Count > 0)
        {
            var (type, w) = _broadcastBacklog.Peek();
            if (!_outgoing!.TrySend(type, w[0], w[1], w[2], w[3], w[4], w[5], w[6])) break;
            _broadcastBacklog.Dequeue();
            progress = true;
        }
        return progress;
    }

    protected internal override void OnStop() => _onStop();
}

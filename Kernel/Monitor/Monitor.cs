using System.Runtime.InteropServices;
using Multikernel.CpuDriver;
using Multikernel.Urpc;

namespace Multikernel.Monitor;

/// <summary>Handles a monitor message of an extension type, on the receiving monitor's core.</summary>
public delegate void MonitorHandler(Monitor self, int fromCoreIndex, in UrpcMessage message);

/// <summary>
/// The monitor: a dispatcher on every core that owns the core's share of system state and talks to the other
/// monitors only by URPC (one binding per pair of cores). It starts dispatchers on its core at another monitor's
/// request and replies; services register extra message types with <see cref="RegisterHandler"/>.
/// <para>Invariant: all fields are core-local. A send that finds a peer's ring full is queued in the
/// <see cref="UrpcOutbox"/> and retried from the run upcall, so a monitor never spins on a full ring while a peer
/// spins on its own (no send deadlock).</para>
/// </summary>
public sealed class Monitor : Dispatcher
{
    readonly UrpcEndpoint?[] _peers;
    readonly UrpcOutbox _outbox;
    readonly Dictionary<ulong, Action<SpawnResult>> _pendingSpawns = new();
    readonly Dictionary<ulong, Action> _pendingPings = new();
    readonly MonitorHandler?[] _handlers = new MonitorHandler?[256];
    ulong _nextRequest;

    public int CoreIndex => Driver.CoreIndex;
    public int CoreCount => _peers.Length;
    /// <summary>The OS core numbers of all booted cores, by core index (read-only, identical on every monitor).</summary>
    public IReadOnlyList<int> Cores { get; }

    internal Monitor(int coreCount, IReadOnlyList<int> cores) : base("monitor")
    {
        _peers = new UrpcEndpoint?[coreCount];
        _outbox = new UrpcOutbox(_peers);
        Cores = cores;
    }

    /// <summary>Boot only: connects this monitor's end of the binding with core <paramref name="peer"/>.</summary>
    internal void ConnectPeer(int peer, UrpcEndpoint endpoint) => _peers[peer] = endpoint;

    /// <summary>Boot only: the host's channel into this monitor.</summary>
    internal void ConnectHost(UrpcChannel hostChannel) => _hostChannel = hostChannel;
    UrpcChannel? _hostChannel;

    protected internal override void OnStart()
    {
        for (int p = 0; p < _peers.Length; p++)
        {
            var ep = _peers[p];
            if (ep == null) continue;
            int from = p;
            Waitset.Add(ep.Incoming, (UrpcChannel c, in UrpcMessage m) => OnPeerMessage(from, in m));
        }
        if (_hostChannel != null) Waitset.Add(_hostChannel, (UrpcChannel c, in UrpcMessage m) => OnHostMessage(in m));
    }

    protected internal override bool HasLocalWork => _outbox.Pending > 0;

    protected internal override bool Run() => _outbox.Flush();

    /// <summary>Registers the handler for an extension message type (≥ <see cref="MonitorMessage.FirstExtension"/>).</summary>
    public void RegisterHandler(byte type, MonitorHandler handler)
    {
        AssertOnCore();
        if (type < MonitorMessage.FirstExtension) throw new ArgumentOutOfRangeException(nameof(type), type, $"types below {MonitorMessage.FirstExtension} belong to the monitor protocol");
        if (_handlers[type] != null) throw new InvalidOperationException($"message type {type} already has a handler on core #{CoreIndex}");
        _handlers[type] = handler;
    }

    /// <summary>Sends a message to the monitor of core index <paramref name="to"/>; queued locally if its ring is full.</summary>
    public void SendTo(int to, byte type, ulong w0 = 0, ulong w1 = 0, ulong w2 = 0, ulong w3 = 0, ulong w4 = 0, ulong w5 = 0, ulong w6 = 0)
    {
        AssertOnCore();
        if ((uint)to >= (uint)_peers.Length || _peers[to] == null)
            throw new ArgumentException($"core #{to} is this monitor's own core or not booted", nameof(to));
        _outbox.Send(to, type, w0, w1, w2, w3, w4, w5, w6);
    }

    /// <summary>Pings the monitor on core index <paramref name="to"/>; <paramref name="onPong"/> runs here when it answers.</summary>
    public void Ping(int to, Action onPong)
    {
        AssertOnCore();
        ulong token = ++_nextRequest;
        _pendingPings[token] = onPong;
        SendTo(to, MonitorMessage.Ping, token, (ulong)CoreIndex);
    }

    /// <summary>
    /// Starts a dispatcher made by <paramref name="image"/> on core index <paramref name="to"/> (this core or another);
    /// <paramref name="onReply"/> runs on this core with the new dispatcher's id or the error.
    /// The image is code plus read-only data, shared like a program text segment; only a handle to it crosses cores.
    /// </summary>
    public void SpawnOn(int to, Func<Dispatcher> image, Action<SpawnResult> onReply)
    {
        AssertOnCore();
        if (to == CoreIndex)
        {
            onReply(new SpawnResult(StartLocal(image)));
            return;
        }
        ulong id = ++_nextRequest;
        _pendingSpawns[id] = onReply;
        var handle = GCHandle.Alloc(image);
        SendTo(to, MonitorMessage.SpawnRequest, id, (ulong)GCHandle.ToIntPtr(handle));
    }

    DispatcherIdOrError StartLocal(Func<Dispatcher> image)
    {
        try { return new DispatcherIdOrError(Driver.Adopt(image()), null); }
        catch (Exception e) { return new DispatcherIdOrError(default, e); }
    }

    void OnPeerMessage(int from, in UrpcMessage m)
    {
        switch (m.Type)
        {
            case MonitorMessage.Ping:
                SendTo(from, MonitorMessage.Pong, m[0], (ulong)CoreIndex);
                break;
            case MonitorMessage.Pong:
                if (_pendingPings.Remove(m[0], out var pong)) pong();
                break;
            case MonitorMessage.SpawnRequest:
            {
                var handle = GCHandle.FromIntPtr((nint)m[1]);
                var image = (Func<Dispatcher>)handle.Target!;
                handle.Free();
                var r = StartLocal(image);
                if (r.Error == null) SendTo(from, MonitorMessage.SpawnReply, m[0], 0, r.Id.Pack());
                else SendTo(from, MonitorMessage.SpawnReply, m[0], 1, (ulong)GCHandle.ToIntPtr(GCHandle.Alloc(r.Error)));
                break;
            }
            case MonitorMessage.SpawnReply:
            {
                if (!_pendingSpawns.Remove(m[0], out var onReply)) break;
                if (m[1] == 0) onReply(new SpawnResult(new DispatcherIdOrError(DispatcherId.Unpack(m[2]), null)));
                else
                {
                    var h = GCHandle.FromIntPtr((nint)m[2]);
                    var e = (Exception)h.Target!;
                    h.Free();
                    onReply(new SpawnResult(new DispatcherIdOrError(default, e)));
                }
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
            case MonitorMessage.HostCall:
            {
                var h = GCHandle.FromIntPtr((nint)m[0]);
                var call = (HostCall)h.Target!;
                h.Free();
                call.Execute(this);
                break;
            }
            case MonitorMessage.Shutdown:
                Driver.RequestStop();
                break;
        }
    }
}

/// <summary>Work the host (the process outside the multikernel, e.g. a test or an experiment driver) asks a monitor to do on its core.</summary>
internal abstract class HostCall
{
    public abstract void Execute(Monitor monitor);
}

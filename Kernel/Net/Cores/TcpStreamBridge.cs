using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Drivers;
using Multikernel.Net.Stack;
using Multikernel.Urpc;
using static Multikernel.Drivers.NicMessages;

namespace Multikernel.Net.Cores;

/// <summary>
/// Serves the stack's TCP connections on one port to a server dispatcher on another core (the HTTP server), in the
/// same descriptor protocol the socket-based <see cref="TcpNicDriver"/> speaks (<see cref="NicMessages"/>): Open when
/// a connection is accepted, Rx descriptors of stream bytes in a receive pool this bridge owns, RxDone back, Tx
/// descriptors of responses in the server's transmit pool (copied into the connection's TCP send buffer as it has
/// room, then TxDone), Close from the server, Closed as the last message of a connection. So the server above runs
/// unchanged on either stack.
/// <para>Connection ids are (generation &lt;&lt; 32 | slot) of the stack's <see cref="TcpSocket"/>; the stack's table
/// (<see cref="NetStackOptions.MaxConnections"/>, at most <see cref="TcpNicDriver.MaxConnections"/>) bounds them and
/// refuses further SYNs with RST.</para>
/// <para>Back-pressure: at most <see cref="ServedConnection.RxCredits"/> receive buffers of a connection are out at the
/// server; at that limit the bridge stops reading the connection, its receive buffer fills and TCP's window closes.
/// Limits: a connection silent both ways for <see cref="IdleTimeout"/>, whose received bytes have had no response
/// for <see cref="RequestTimeout"/>, or whose queued responses have not moved for <see cref="RequestTimeout"/> (a peer
/// that does not read them, also after the server asked to close) is closed (FIN; RST when unread bytes are left). Stack core only; nothing allocates per request (a connection's transmit
/// queue is made the first time its slot is used).</para>
/// <para>Lingering close, as the socket driver's: when the server closes a connection the peer has not closed, the
/// bridge sends FIN after the queued responses (<see cref="TcpLayer.ShutdownSend"/>), tells the server Closed at once,
/// and reads and drops what the peer still sends until the peer closes or <see cref="LingerTimeout"/> passes; only
/// then does it close the socket. A close with unread bytes would answer with RST, which can destroy the response on
/// its way.</para>
/// </summary>
public sealed class TcpStreamBridge : INetApplication
{
    public const int Batch = 32;
    const long SweepEveryMs = 100;

    readonly ushort _port;
    readonly PacketPool _rxPool, _txPool;
    readonly UrpcEndpoint _server;
    readonly UrpcBacklog _toServer = new();
    readonly TcpSocket[] _socket;
    readonly bool[] _open, _queued;
    readonly ServedConnection[] _conn;
    readonly int[] _service;   // slots to look at again (receive credits returned, receive pool was empty)
    readonly byte[] _discard = new byte[16 * 1024];
    int _serviceHead, _serviceCount;
    long _nextSweep;
    NetStack? _stack;
    ServedConnectionCounters _counters;

    /// <summary>A snapshot of the bridge's counters (<see cref="ServedConnectionCounters.TimedOut"/>: closed by
    /// <see cref="IdleTimeout"/> or <see cref="RequestTimeout"/>).</summary>
    public ServedConnectionCounters Counters => _counters;
    /// <summary>Connections the peer reset: found while serving them, when the server's close came, or while they lingered.</summary>
    public long Resets { get; private set; }
    /// <summary>Close a connection after this long without a byte in either direction (default 60 s; at least 1 ms,
    /// else <see cref="ArgumentOutOfRangeException"/>).</summary>
    public TimeSpan IdleTimeout { get; init => field = ServedConnection.CheckTimeout(value, nameof(IdleTimeout)); } = TimeSpan.FromSeconds(60);
    /// <summary>Close a connection whose received bytes have had no response, or whose queued responses have not moved, for this long (default 30 s; at least 1 ms).</summary>
    public TimeSpan RequestTimeout { get; init => field = ServedConnection.CheckTimeout(value, nameof(RequestTimeout)); } = TimeSpan.FromSeconds(30);
    /// <summary>The longest a lingering close waits for the peer to close its side (default 2 s; at least 1 ms).</summary>
    public TimeSpan LingerTimeout { get; init => field = ServedConnection.CheckTimeout(value, nameof(LingerTimeout)); } = TimeSpan.FromSeconds(2);

    /// <param name="port">The TCP port to listen on.</param>
    /// <param name="maxConnections">The stack's connection table size (<see cref="NetStackOptions.MaxConnections"/>).</param>
    /// <param name="rxPool">Receive buffers, owned (allocated and freed) by this bridge.</param>
    /// <param name="txPool">The server's transmit buffers: read here, allocated and freed only by the server.</param>
    /// <param name="server">The bridge's end of the binding to the server's core.</param>
    public TcpStreamBridge(ushort port, int maxConnections, PacketPool rxPool, PacketPool txPool, UrpcEndpoint server)
    {
        if (maxConnections < 1 || maxConnections > TcpNicDriver.MaxConnections)
            throw new ArgumentOutOfRangeException(nameof(maxConnections), maxConnections, $"the server above keeps {TcpNicDriver.MaxConnections} connection slots; use 1..{TcpNicDriver.MaxConnections}");
        _port = port;
        _rxPool = rxPool;
        _txPool = txPool;
        _server = server;
        _socket = new TcpSocket[maxConnections];
        _open = new bool[maxConnections];
        _queued = new bool[maxConnections];
        _conn = new ServedConnection[maxConnections];
        _service = new int[maxConnections];
    }

    static ulong Id(TcpSocket s) => (ulong)(uint)s.Generation << 32 | (uint)s.Slot;
    bool Live(ulong id, out int slot)
    {
        slot = TcpNicDriver.Slot(id);
        return (uint)slot < (uint)_open.Length && _open[slot] && Id(_socket[slot]) == id;
    }

    public bool HasWork => _toServer.Count > 0 || _serviceCount > 0;

    public void OnStart(NetStack stack, Waitset waitset)
    {
        if (stack.Options.MaxConnections > _open.Length)
            throw new ArgumentException($"the stack's table has {stack.Options.MaxConnections} connections and the bridge {_open.Length}");
        _stack = stack;
        stack.Tcp.Listen(_port);
        waitset.Add(_server.Receiver, OnMessage);
    }

    public bool Run(NetStack stack)
    {
        Debug.Assert(stack == _stack);
        bool progress = _toServer.Count > 0 && _toServer.Flush(_server.Sender) > 0;
        for (int k = 0; k < Batch && _server.Receiver.TryReceive(out UrpcMessage m); k++)
        {
            progress = true;
            OnMessage(in m);
        }
        var tcp = stack.Tcp;
        while (tcp.TryAccept(_port, out TcpSocket s))
        {
            progress = true;
            OpenConnection(s);
        }
        while (tcp.TryGetReady(out TcpSocket s))
        {
            if (!Live(Id(s), out int slot)) continue;
            progress = true;
            Service(slot);
        }
        for (int n = _serviceCount; n > 0; n--)
        {
            int slot = _service[_serviceHead];
            _serviceHead = _serviceHead + 1 == _service.Length ? 0 : _serviceHead + 1;
            _serviceCount--;
            _queued[slot] = false;
            if (_open[slot]) Service(slot);
            progress = true;
        }
        long now = Environment.TickCount64;
        if (now >= _nextSweep)
        {
            _nextSweep = now + SweepEveryMs;
            progress |= CloseTimedOut(now);
        }
        if (_toServer.Count > 0) _toServer.Flush(_server.Sender);
        return progress;
    }

    void OpenConnection(TcpSocket s)
    {
        int slot = s.Slot;
        Debug.Assert(!_open[slot], "the stack handed out a slot the bridge still serves");
        _socket[slot] = s;
        _open[slot] = true;
        _conn[slot].Open(Environment.TickCount64);
        _counters.Accepted++;
        _toServer.Send(_server.Sender, new Open(Id(s)));
    }

    void OnMessage(in UrpcMessage m)
    {
        switch (m.Type)
        {
            case RxDone.TypeId:
            {
                var done = RxDone.Decode(in m);
                _rxPool.Free(done.Buffer);
                if (Live(done.Flow, out int slot))
                {
                    _conn[slot].Returned();
                    Enqueue(slot);
                }
                break;
            }
            case Tx.TypeId:
            {
                var tx = Tx.Decode(in m);
                if ((ulong)(uint)tx.Offset + (ulong)(uint)tx.Length > (ulong)_txPool.BufferSize || tx.Length <= 0)
                    throw new InvalidDataException($"TCP stream bridge: bad Tx descriptor (buffer {tx.Buffer}, offset {tx.Offset}, length {tx.Length})");
                if (!Live(tx.Flow, out int slot) || _conn[slot].Closing) { _toServer.Send(_server.Sender, new TxDone(tx.Buffer, tx.Flow)); break; }
                var q = _conn[slot].Tx!;
                q.Enqueue(tx.Buffer, tx.Offset, tx.Length);
                if (q.Count == 1) Transmit(slot);
                break;
            }
            case Close.TypeId:
            {
                if (!Live(Close.Decode(in m).Flow, out int slot)) break;
                ref var c = ref _conn[slot];
                if (c.Closing) break; // already closing or lingering
                c.Closing = true;
                if (c.Tx!.Count == 0) Linger(slot);
                break;
            }
            default:
                throw new InvalidDataException($"TCP stream bridge: unexpected message type {m.Type} from the server");
        }
    }

    void Enqueue(int slot)
    {
        if (_queued[slot]) return;
        _queued[slot] = true;
        _service[(_serviceHead + _serviceCount) % _service.Length] = slot;
        _serviceCount++;
    }

    /// <summary>Moves queued responses into the send buffer, reads what arrived, and ends a connection that the peer reset or closed.</summary>
    void Service(int slot)
    {
        var tcp = _stack!.Tcp;
        var s = _socket[slot];
        if (_conn[slot].IsLingering) { Discard(slot); return; }
        if (tcp.WasReset(s)) { Resets++; Finish(slot, reset: false); return; }
        Transmit(slot);
        if (!_open[slot] || _conn[slot].IsLingering) return; // closed, or its last response began the lingering (Closed sent: no Rx may follow)
        ulong id = Id(s);
        ref var c = ref _conn[slot];
        while (c.HasRxCredit && tcp.Available(s) > 0)
        {
            if (!_rxPool.TryAllocate(out int buffer)) { Enqueue(slot); return; }
            int n = tcp.Receive(s, _rxPool[buffer]);
            Debug.Assert(n > 0);
            _counters.RxBytes += n;
            _counters.RxDescriptors++;
            if (c.Received(Environment.TickCount64)) _counters.Paused++;
            _toServer.Send(_server.Sender, new Rx(buffer, n, id));
        }
        if (tcp.PeerClosed(s) && !c.Closing && !c.PeerDone)
        {
            // FIN after every byte was read (as recv() == 0): the server answers what it received, then closes.
            c.PeerDone = true;
            _toServer.Send(_server.Sender, new ReadEnd(id));
        }
    }

    /// <summary>Copies the connection's queued responses into its send buffer as far as there is room, in order.</summary>
    void Transmit(int slot)
    {
        var tcp = _stack!.Tcp;
        var s = _socket[slot];
        ref var c = ref _conn[slot];
        var q = c.Tx!;
        ulong id = Id(s);
        while (q.Count > 0)
        {
            ref var head = ref q.Head;
            int n = tcp.Send(s, _txPool[head.Buffer].Slice(head.Offset, head.Length));
            if (n == 0) break; // the acknowledgment that frees room makes the connection ready again
            _counters.TxBytes += n;
            c.Sent(Environment.TickCount64);
            if (n < head.Length) { head.Offset += n; head.Length -= n; break; }
            _toServer.Send(_server.Sender, new TxDone(q.Dequeue(), id));
        }
        if (q.Count == 0 && c.Closing) Linger(slot);
    }

    /// <summary>The server closed the connection and its responses are in the send buffer: FIN after them, Closed to
    /// the server, then read to discard until the peer closes or the linger time passes. A peer that has closed or
    /// reset already needs no lingering.</summary>
    void Linger(int slot)
    {
        if (_conn[slot].IsLingering) return;
        var tcp = _stack!.Tcp;
        var s = _socket[slot];
        if (tcp.WasReset(s)) { Resets++; Finish(slot, reset: false); return; }
        DiscardUnread(s);
        if (tcp.PeerClosed(s)) { Finish(slot, reset: false); return; }
        tcp.ShutdownSend(s);
        _conn[slot].BeginLinger(Environment.TickCount64, (long)LingerTimeout.TotalMilliseconds);
        _counters.Lingered++;
        _toServer.Send(_server.Sender, new Closed(Id(s)));
    }

    /// <summary>Drops what a lingering connection's peer sent; closes it once the peer has closed or reset.</summary>
    void Discard(int slot)
    {
        var tcp = _stack!.Tcp;
        var s = _socket[slot];
        if (tcp.WasReset(s)) { Resets++; EndLinger(slot); return; }
        DiscardUnread(s);
        if (tcp.PeerClosed(s)) EndLinger(slot);
    }

    void DiscardUnread(TcpSocket s)
    {
        var tcp = _stack!.Tcp;
        while (tcp.Available(s) > 0) _counters.DiscardedBytes += tcp.Receive(s, _discard);
    }

    /// <summary>Closes a lingering connection's socket and frees its slot (the server was told Closed when it began).</summary>
    void EndLinger(int slot)
    {
        var tcp = _stack!.Tcp;
        var s = _socket[slot];
        if (!tcp.WasReset(s)) DiscardUnread(s); // whatever came since: a close with unread bytes would reset
        tcp.Close(s);
        _conn[slot].LingerUntil = 0;
        _open[slot] = false;
        _counters.Closed++;
    }

    /// <summary>Ends a connection for the server (queued responses back, then Closed) and for the stack (FIN after
    /// what is in the send buffer, or RST when <paramref name="reset"/> or unread bytes are left).</summary>
    void Finish(int slot, bool reset)
    {
        var s = _socket[slot];
        ulong id = Id(s);
        if (reset) _stack!.Tcp.Abort(s);
        else _stack!.Tcp.Close(s);
        var q = _conn[slot].Tx!;
        while (q.Count > 0) _toServer.Send(_server.Sender, new TxDone(q.Dequeue(), id));
        _open[slot] = false;
        _counters.Closed++;
        _toServer.Send(_server.Sender, new Closed(id));
    }

    /// <summary>Closes the connections past <see cref="IdleTimeout"/> or <see cref="RequestTimeout"/>; true if it closed any.
    /// Compiled optimized from the start: a tier-0 loop's on-stack replacement would allocate on the stack core.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    bool CloseTimedOut(long now)
    {
        long idle = (long)IdleTimeout.TotalMilliseconds, request = (long)RequestTimeout.TotalMilliseconds;
        bool any = false;
        for (int s = 0; s < _open.Length; s++)
        {
            if (_conn[s].LingerOver(now)) { EndLinger(s); any = true; continue; }
            if (_open[s] && !_conn[s].IsLingering && _conn[s].IsTimedOut(now, idle, request))
            {
                _counters.TimedOut++;
                Finish(s, reset: false); // FIN, as close(2) on the socket driver's connection; RST if unread bytes are left
                any = true;
            }
        }
        return any;
    }
}

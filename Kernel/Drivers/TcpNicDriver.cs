using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Net.Sockets;
using Multikernel.CpuDriver;
using Multikernel.Urpc;
using static Multikernel.Drivers.NicMessages;

namespace Multikernel.Drivers;

/// <summary>
/// The modelled NIC for TCP: a dispatcher that accepts on a listening socket (the caller's) and owns every connection
/// accepted on it, and polls them with a non-blocking epoll_wait from its run upcall on its own core. Received bytes land in a buffer of
/// the driver's receive pool and go to the server as <see cref="NicMessages.Rx"/> descriptors (the server copies or
/// parses them and answers <see cref="NicMessages.RxDone"/>); responses come back as <see cref="NicMessages.Tx"/>
/// descriptors into the server's transmit pool, which the driver writes to the connection in order and returns
/// with <see cref="NicMessages.TxDone"/>.
/// <para>Connection ids are (generation &lt;&lt; 32 | slot): a slot is reused only with a new generation, so a
/// descriptor for a connection that has since closed is recognised as stale (its buffer goes straight back).
/// Per connection, Rx descriptors leave in arrival order, <see cref="NicMessages.ReadEnd"/> follows the last of them
/// when the client ends its sending side (the server still answers, then closes), and <see cref="NicMessages.Closed"/> is the last message
/// for that id; Tx descriptors are written in the order they arrived. Only this dispatcher touches the sockets,
/// the epoll instance, the receive pool's free list and the connection table.</para>
/// <para>Back-pressure: at most <see cref="ServedConnection.RxCredits"/> receive buffers of one connection are out at the
/// server at a time; at that limit the driver stops reading the connection (no EPOLLIN) until an RxDone for it
/// comes back, so a client that sends faster than the server answers is slowed by TCP's own window, and one
/// connection cannot take the whole receive pool.</para>
/// <para>Limits: a connection silent in both directions for <see cref="IdleTimeout"/>, whose received bytes have
/// had no response for <see cref="RequestTimeout"/> (a request never completed), or whose queued responses have not
/// moved for <see cref="RequestTimeout"/> (a client that does not read them, while they hold the server's transmit
/// buffers) is closed, also when the server has asked to close it after those responses. When the table is full,
/// a new connection takes the slot of a lingering connection (below) or else of the connection that has been quiet
/// longest (nothing queued in either direction); only if every connection is busy is the new one refused.</para>
/// <para>Lingering close: when the server closes a connection (<see cref="NicMessages.Close"/>), the driver writes
/// the queued responses, shuts its sending side (the client reads end-of-stream after the last response) and the
/// server is told <see cref="NicMessages.Closed"/> at once; the slot then reads and discards what the client still
/// sends until the client closes or <see cref="LingerTimeout"/> passes, and only then closes the socket. Closing a
/// socket with unread bytes makes the kernel answer with a reset, which can destroy a response still on its way to
/// the client (a 431 for a head that did not fit, a response to a request with "Connection: close" followed by more
/// pipelined bytes); nginx and Apache linger for the same reason.</para>
/// </summary>
public sealed unsafe class TcpNicDriver : Dispatcher
{
    public const int Batch = 32, MaxConnections = 4096;
    /// <summary>How often (milliseconds) the driver looks for connections past their timeouts.</summary>
    const long SweepEveryMs = 100;
    const ulong ListenToken = ulong.MaxValue;

    readonly Socket _listener;
    readonly int _listenFd;
    readonly PacketPool _rxPool, _txPool;
    readonly UrpcEndpoint _server;
    readonly UrpcBacklog _toServer = new();
    /// <summary>Made by <see cref="OnStart"/> on the driver's core and closed by <see cref="OnStop"/>: a driver that is
    /// constructed but never started (its constructor or initializer threw, or the server failed before spawning it)
    /// holds no descriptor.</summary>
    Epoll _epoll = null!;
    readonly Epoll.Event[] _events = new Epoll.Event[64];
    readonly int[] _fd = new int[MaxConnections];
    readonly uint[] _gen = new uint[MaxConnections];
    readonly bool[] _wantsOut = new bool[MaxConnections];
    readonly ServedConnection[] _conn = new ServedConnection[MaxConnections];
    readonly int[] _freeSlots = new int[MaxConnections];
    int _freeCount;
    long _nextSweep;
    bool _stopped;
    ServedConnectionCounters _counters;

    /// <summary>A snapshot of the driver's counters (<see cref="ServedConnectionCounters.TimedOut"/>: closed by
    /// <see cref="IdleTimeout"/> or <see cref="RequestTimeout"/>).</summary>
    public ServedConnectionCounters Counters => _counters;
    public long Refused { get; private set; }
    /// <summary>Quiet connections closed to make room for a new one when the table was full.</summary>
    public long Evicted { get; private set; }
    /// <summary>Close a connection after this long without a byte in either direction (default 60 s; at least 1 ms,
    /// else <see cref="ArgumentOutOfRangeException"/>).</summary>
    public TimeSpan IdleTimeout { get; init => field = ServedConnection.CheckTimeout(value, nameof(IdleTimeout)); } = TimeSpan.FromSeconds(60);
    /// <summary>Close a connection whose received bytes have had no response, or whose queued responses have not moved, for this long (default 30 s; at least 1 ms).</summary>
    public TimeSpan RequestTimeout { get; init => field = ServedConnection.CheckTimeout(value, nameof(RequestTimeout)); } = TimeSpan.FromSeconds(30);
    /// <summary>The longest a lingering close waits for the client to close its side (default 2 s; at least 1 ms).</summary>
    public TimeSpan LingerTimeout { get; init => field = ServedConnection.CheckTimeout(value, nameof(LingerTimeout)); } = TimeSpan.FromSeconds(2);
    /// <summary>Optional: measures this core's allocations over a window of receive descriptors (set before the driver starts).</summary>
    public AllocationProbe? Probe { get; init; }

    /// <param name="listener">A bound, listening TCP socket; the driver switches it to non-blocking and accepts on it from
    /// now on, and owns every connection it accepts (its stop upcall closes them). The caller closes the listener, after
    /// the driver has stopped.</param>
    /// <param name="rxPool">Receive buffers, owned (allocated and freed) by this driver.</param>
    /// <param name="txPool">The server's transmit buffers: read here, allocated and freed only by the server.</param>
    public TcpNicDriver(Socket listener, PacketPool rxPool, PacketPool txPool, UrpcEndpoint server) : base("tcp-nic-driver")
    {
        _listener = listener;
        _listener.Blocking = false;
        _listenFd = (int)listener.Handle;
        _rxPool = rxPool;
        _txPool = txPool;
        _server = server;
        for (int i = 0; i < MaxConnections; i++) { _fd[i] = -1; _freeSlots[i] = MaxConnections - 1 - i; }
        _freeCount = MaxConnections;
    }

    public static int Slot(ulong id) => (int)(id & 0xFFFF_FFFF);
    static ulong ConnectionId(int slot, uint gen) => (ulong)gen << 32 | (uint)slot;
    bool Live(ulong id) => Slot(id) < MaxConnections && _fd[Slot(id)] >= 0 && _gen[Slot(id)] == (uint)(id >> 32);

    protected internal override void OnStart()
    {
        _epoll = new Epoll();
        _epoll.Add(_listenFd, Epoll.In, ListenToken); // a throw here faults the core, whose stop upcall closes the epoll
    }

    protected internal override bool HasLocalWork => !_stopped;

    protected internal override bool Run()
    {
        bool progress = _toServer.Count > 0 && _toServer.Flush(_server.Sender) > 0;
        for (int k = 0; k < Batch && _server.Receiver.TryReceive(out UrpcMessage m); k++)
        {
            progress = true;
            Handle(in m);
        }
        long now = Environment.TickCount64;
        if (now >= _nextSweep) { _nextSweep = now + SweepEveryMs; progress |= CloseTimedOut(now); }
        int n = _epoll.Wait(_events, 0);
        for (int i = 0; i < n; i++)
        {
            progress = true;
            ulong token = _events[i].Token;
            uint ev = _events[i].Events;
            if (token == ListenToken) { AcceptAll(); continue; }
            if (!Live(token)) continue;
            int slot = Slot(token);
            if (!_conn[slot].IsLingering && (ev & Epoll.Out) != 0) Transmit(slot); // its last response may begin the lingering
            if (_fd[slot] < 0) continue;
            if (_conn[slot].IsLingering) Discard(slot); // the server was told Closed: no Rx may follow
            else if (!_conn[slot].PeerDone && (ev & (Epoll.In | Epoll.Hup | Epoll.Err | Epoll.RdHup)) != 0) Receive(slot);
        }
        Probe?.Observe(_counters.RxDescriptors);
        return progress;
    }

    void Handle(in UrpcMessage m)
    {
        switch (m.Type)
        {
            case RxDone.TypeId:
            {
                var done = RxDone.Decode(in m);
                _rxPool.Free(done.Buffer);
                if (Live(done.Flow) && _conn[Slot(done.Flow)].Returned()) UpdateInterest(Slot(done.Flow)); // read it again
                break;
            }
            case Tx.TypeId:
            {
                var tx = Tx.Decode(in m);
                if ((ulong)(uint)tx.Offset + (ulong)(uint)tx.Length > (ulong)_txPool.BufferSize || tx.Length <= 0)
                    throw new InvalidDataException($"TCP NIC driver: bad Tx descriptor (buffer {tx.Buffer}, offset {tx.Offset}, length {tx.Length})");
                if (!Live(tx.Flow) || _conn[Slot(tx.Flow)].Closing) { _toServer.Send(_server.Sender, new TxDone(tx.Buffer, tx.Flow)); break; }
                int slot = Slot(tx.Flow);
                var q = _conn[slot].Tx!;
                q.Enqueue(tx.Buffer, tx.Offset, tx.Length);
                if (q.Count == 1) Transmit(slot);
                break;
            }
            case Close.TypeId:
            {
                ulong id = Close.Decode(in m).Flow;
                if (!Live(id)) break;
                ref var c = ref _conn[Slot(id)];
                if (c.Closing) break; // already closing or lingering
                c.Closing = true;
                if (c.Tx!.Count == 0) Linger(Slot(id));
                break;
            }
            default:
                throw new InvalidDataException($"TCP NIC driver: unexpected message type {m.Type} from the server");
        }
    }

    void AcceptAll()
    {
        for (int k = 0; k < Batch; k++)
        {
            int fd = SocketCalls.TryAccept(_listenFd);
            if (fd < 0) return;
            if (_freeCount == 0 && !EvictQuietest()) { SocketCalls.Close(fd); Refused++; continue; }
            int slot = _freeSlots[--_freeCount];
            _fd[slot] = fd;
            _wantsOut[slot] = false;
            _conn[slot].Open(Environment.TickCount64);
            ulong id = ConnectionId(slot, _gen[slot]);
            _epoll.Add(fd, Epoll.In | Epoll.RdHup, id);
            _counters.Accepted++;
            _toServer.Send(_server.Sender, new Open(id));
        }
    }

    void Receive(int slot)
    {
        Debug.Assert(!_conn[slot].IsLingering, "bytes of a lingering connection would reach the server after its Closed");
        ulong id = ConnectionId(slot, _gen[slot]);
        ref var c = ref _conn[slot];
        for (int k = 0; k < 4; k++)
        {
            if (!c.HasRxCredit) return; // paused: UpdateInterest took EPOLLIN away
            if (!_rxPool.TryAllocate(out int buffer)) return; // level-triggered: the socket is reported again next round
            int n;
            try { n = SocketCalls.TryReceive(_fd[slot], _rxPool.Address(buffer), _rxPool.BufferSize); }
            catch (SocketCallException) { n = 0; } // reset by the peer: same as a close
            if (n < 0) { _rxPool.Free(buffer); return; }
            if (n == 0) { _rxPool.Free(buffer); EndRead(slot); return; }
            _counters.RxBytes += n;
            _counters.RxDescriptors++;
            if (c.Received(Environment.TickCount64)) { _counters.Paused++; UpdateInterest(slot); }
            _toServer.Send(_server.Sender, new Rx(buffer, n, id));
            if (n < _rxPool.BufferSize) return;
        }
    }

    /// <summary>The client ended its sending side: stop reading, and let the server answer what it received and then
    /// close (<see cref="NicMessages.ReadEnd"/>). A client that sends a request and then shuts its side still gets the response.</summary>
    void EndRead(int slot)
    {
        ref var c = ref _conn[slot];
        c.PeerDone = true;
        UpdateInterest(slot);
        // A closing connection (its responses still queued) ends after them anyway; the server has nothing more to answer.
        if (!c.Closing) _toServer.Send(_server.Sender, new ReadEnd(ConnectionId(slot, _gen[slot])));
    }

    void Transmit(int slot)
    {
        ref var c = ref _conn[slot];
        var q = c.Tx!;
        ulong id = ConnectionId(slot, _gen[slot]);
        while (q.Count > 0)
        {
            ref var head = ref q.Head;
            int n;
            try { n = SocketCalls.TrySend(_fd[slot], _txPool.Address(head.Buffer) + head.Offset, head.Length); }
            catch (SocketCallException) { CloseConnection(slot); return; }
            if (n < 0) break;
            _counters.TxBytes += n;
            c.Sent(Environment.TickCount64);
            if (n < head.Length) { head.Offset += n; head.Length -= n; break; }
            _toServer.Send(_server.Sender, new TxDone(q.Dequeue(), id));
        }
        bool wants = q.Count > 0;
        if (wants != _wantsOut[slot])
        {
            _wantsOut[slot] = wants;
            UpdateInterest(slot);
        }
        if (!wants && c.Closing) Linger(slot);
    }

    /// <summary>The server closed the connection and its responses are written: shut the sending side, tell the
    /// server the connection is closed, and read to discard until the client closes or the linger time passes.</summary>
    void Linger(int slot)
    {
        if (_conn[slot].IsLingering) return;
        if (_conn[slot].PeerDone) { CloseConnection(slot); return; } // the client has closed its side: nothing to read and drop
        if (!SocketCalls.TryShutdownSend(_fd[slot])) { CloseConnection(slot); return; } // reset by the client
        ulong id = ConnectionId(slot, _gen[slot]);
        _conn[slot].BeginLinger(Environment.TickCount64, (long)LingerTimeout.TotalMilliseconds);
        _wantsOut[slot] = false;
        _epoll.Modify(_fd[slot], Epoll.In | Epoll.RdHup, id);
        _counters.Lingered++;
        _toServer.Send(_server.Sender, new Closed(id));
    }

    /// <summary>Reads and drops what a lingering connection's client still sends; closes the socket at its end-of-stream
    /// or reset. Uses a receive buffer only for the moment of the read.</summary>
    void Discard(int slot)
    {
        for (int k = 0; k < 4; k++)
        {
            if (!_rxPool.TryAllocate(out int buffer)) return; // level-triggered: reported again next round
            int n;
            try { n = SocketCalls.TryReceive(_fd[slot], _rxPool.Address(buffer), _rxPool.BufferSize); }
            catch (SocketCallException) { n = 0; }
            _rxPool.Free(buffer);
            if (n < 0) return;
            if (n == 0) { Release(slot); return; }
            _counters.DiscardedBytes += n;
        }
    }

    /// <summary>Tells epoll what the driver waits for on a connection: bytes to read unless its receive credits are
    /// used up, and room to send while transmits are queued.</summary>
    void UpdateInterest(int slot)
    {
        if (_conn[slot].IsLingering) return; // reading to discard, nothing to send: set by Linger
        uint events = (_conn[slot].HasRxCredit && !_conn[slot].PeerDone ? Epoll.In | Epoll.RdHup : 0) | (_wantsOut[slot] ? Epoll.Out : 0);
        _epoll.Modify(_fd[slot], events, ConnectionId(slot, _gen[slot]));
    }

    /// <summary>Closes the connections past <see cref="IdleTimeout"/> or <see cref="RequestTimeout"/>; true if it closed any.
    /// Compiled optimized from the start: a tier-0 loop's on-stack replacement would allocate on the driver's core.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    bool CloseTimedOut(long now)
    {
        long idle = (long)IdleTimeout.TotalMilliseconds, request = (long)RequestTimeout.TotalMilliseconds;
        bool any = false;
        for (int s = 0; s < MaxConnections; s++)
        {
            if (_conn[s].LingerOver(now)) { Release(s); any = true; continue; }
            if (_fd[s] >= 0 && !_conn[s].IsLingering && _conn[s].IsTimedOut(now, idle, request))
            {
                _counters.TimedOut++;
                CloseConnection(s);
                any = true;
            }
        }
        return any;
    }

    /// <summary>Table full: closes the connection that has been quiet longest (nothing queued either way) to free its
    /// slot; false when every connection is busy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    bool EvictQuietest()
    {
        int best = -1, lingering = -1;
        for (int s = 0; s < MaxConnections; s++)
        {
            if (_fd[s] < 0) continue;
            if (_conn[s].IsLingering) { if (lingering < 0 || _conn[s].LingerUntil < _conn[lingering].LingerUntil) lingering = s; }
            else if (!_conn[s].Closing && _conn[s].IsQuiet && (best < 0 || _conn[s].LastActive < _conn[best].LastActive)) best = s;
        }
        if (lingering >= 0) { Release(lingering); return true; } // already closed for the server: no eviction
        if (best < 0) return false;
        Evicted++;
        CloseConnection(best);
        return true;
    }

    /// <summary>Closes a connection the server still holds open: its queued responses go back unsent and the server
    /// is told <see cref="NicMessages.Closed"/>.</summary>
    void CloseConnection(int slot)
    {
        Debug.Assert(!_conn[slot].IsLingering, "a lingering connection was closed for the server a second time");
        ulong id = ConnectionId(slot, _gen[slot]);
        var q = _conn[slot].Tx!;
        while (q.Count > 0) _toServer.Send(_server.Sender, new TxDone(q.Dequeue(), id));
        Release(slot);
        _toServer.Send(_server.Sender, new Closed(id));
    }

    /// <summary>Closes the socket and frees the slot under a new generation (descriptors for the old id are stale from now on).</summary>
    void Release(int slot)
    {
        Debug.Assert(_conn[slot].Tx!.Count == 0, "a slot released with transmits still queued");
        _epoll.Remove(_fd[slot]);
        SocketCalls.Close(_fd[slot]);
        _fd[slot] = -1;
        _conn[slot].LingerUntil = 0;
        _gen[slot]++;
        _freeSlots[_freeCount++] = slot;
        _counters.Closed++;
    }

    protected internal override void OnStop()
    {
        if (_stopped) return;
        _stopped = true;
        for (int s = 0; s < MaxConnections; s++)
            if (_fd[s] >= 0) { SocketCalls.Close(_fd[s]); _fd[s] = -1; }
        if (_epoll is not null) _epoll.Dispose(); // null: stopped before its start upcall
    }
}

using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using static Multikernel.Net.Stack.FrameLayout;
using static Multikernel.Net.Stack.SequenceNumber;

namespace Multikernel.Net.Stack;

/// <summary>
/// The TCP of one <see cref="NetStack"/>: passive open only (listeners), a connection table of fixed size, and a
/// socket-like API for the server above it.
/// <para>What it does (RFC 793, 1122, 5681, 6298, 5961): three-way handshake with the MSS option (no window scaling, no
/// SACK, no timestamps); sequence and acknowledgment processing; a receive window equal to the free space of the
/// connection's receive buffer, whose right edge never moves left; out-of-order segments kept in place (at most
/// <see cref="TcpReceiveBuffer.MaxIntervals"/> holes) and answered with an immediate duplicate ACK; a retransmission
/// timer per connection (RTT estimate per RFC 6298 with Karn's rule, exponential backoff up to MaxRto while no new
/// data is acknowledged, back to the estimate on an ACK of new data as lwIP does, reset after MaxRetransmissions),
/// go-back-N on a timeout, fast retransmit on the third duplicate ACK, slow start and congestion avoidance; zero-window probing (for as long as the peer answers while the application
/// holds the connection, at most MaxRetransmissions probes after it closed it); FIN in both directions with every closing state; RST on segments for no
/// connection; challenge ACKs for in-window RSTs and SYNs; TIME_WAIT for a bounded time; half-open connections
/// bounded (the oldest is evicted); the table refusing SYNs with RST when full (after recycling TIME_WAIT slots).</para>
/// <para>Memory: all connection slots and their buffers are made at construction (one anonymous mapping, touched
/// only as connections use it). Nothing on the per-segment paths allocates.</para>
/// <para>Ownership: the stack's thread only.</para>
/// </summary>
public sealed unsafe class TcpLayer : IDisposable
{
    const int DefaultPeerMss = 536;
    const int AgingHalfOpen = 0, AgingTimeWait = 1;

    readonly NetStack _stack;
    readonly NetStackCounters _counters;
    readonly NetStackOptions _o;
    readonly TcpConnection[] _conns;
    readonly int[] _free;
    int _freeCount;
    readonly int[] _buckets;
    readonly int _bucketMask;
    readonly byte* _slab;
    readonly nuint _slabBytes;

    readonly ushort[] _listenPorts;
    readonly int[][] _acceptSlots, _acceptGenerations;
    readonly int[] _acceptHead, _acceptCount;
    int _listenerCount;

    readonly int[] _ready, _output;
    int _readyHead, _readyCount, _outputHead, _outputCount;
    // Delayed ACKs: slots in deadline order (all wait the same time); each slot at most once (InDelayedAckQueue).
    readonly int[] _delayedAck;
    int _delayedAckHead, _delayedAckCount;
    readonly int[] _agingHead = [-1, -1], _agingTail = [-1, -1], _agingCount = new int[2];

    ulong _isnState;
    long _now;
    long _nextTimer = long.MaxValue;
    int _disposed;

    internal TcpLayer(NetStack stack, NetStackOptions o)
    {
        _stack = stack;
        _counters = stack.Counters;
        _o = o;
        int n = o.MaxConnections;
        _slabBytes = (nuint)n * (nuint)(o.ReceiveBufferBytes + o.SendBufferBytes);
        // Not cleared: pages are mapped (and zeroed by the OS) only when a connection first writes them.
        _slab = (byte*)NativeMemory.AlignedAlloc(_slabBytes, 4096);
        _conns = new TcpConnection[n];
        _free = new int[n];
        for (int i = 0; i < n; i++)
        {
            byte* mem = _slab + (nint)i * (o.ReceiveBufferBytes + o.SendBufferBytes);
            _conns[i] = new TcpConnection(i, new TcpReceiveBuffer(mem, o.ReceiveBufferBytes), new TcpSendBuffer(mem + o.ReceiveBufferBytes, o.SendBufferBytes));
            _free[i] = n - 1 - i;
        }
        _freeCount = n;
        int buckets = 1;
        while (buckets < 2 * n) buckets <<= 1;
        _buckets = new int[buckets];
        Array.Fill(_buckets, -1);
        _bucketMask = buckets - 1;
        _listenPorts = new ushort[o.MaxTcpListeners];
        _acceptSlots = new int[o.MaxTcpListeners][];
        _acceptGenerations = new int[o.MaxTcpListeners][];
        _acceptHead = new int[o.MaxTcpListeners];
        _acceptCount = new int[o.MaxTcpListeners];
        _ready = new int[n];
        _output = new int[n];
        _delayedAck = new int[n];
        _isnState = o.IsnSeed ?? (ulong)System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue) << 32 | (uint)Environment.TickCount64;
        if (_isnState == 0) _isnState = 0x9E3779B97F4A7C15UL;
    }

    /// <summary>Connection slots in use (any state, TIME_WAIT and half-open included).</summary>
    public int ConnectionsInUse => _conns.Length - _freeCount;
    public int HalfOpen => _agingCount[AgingHalfOpen];
    public int TimeWait => _agingCount[AgingTimeWait];
    /// <summary>Bytes reserved for connection buffers (fixed by the options).</summary>
    public long BufferBytesReserved => (long)_slabBytes;
    /// <summary>Bytes currently held in all receive and send buffers (unread plus unacknowledged/unsent).</summary>
    public long BufferBytesHeld
    {
        get
        {
            long sum = 0;
            foreach (var c in _conns) if (c.InUse) sum += c.Receive.Unread + c.Send.Count;
            return sum;
        }
    }

    // ================= application API =================

    /// <summary>Accepts connections to <paramref name="port"/> from now on.</summary>
    public void Listen(ushort port)
    {
        if (port == 0) throw new ArgumentOutOfRangeException(nameof(port), port, "TCP port 0 cannot be a listener");
        if (FindListener(port) >= 0) throw new InvalidOperationException($"TCP port {port} is already listening");
        if (_listenerCount == _listenPorts.Length) throw new InvalidOperationException($"all {_listenPorts.Length} listeners are in use (NetStackOptions.MaxTcpListeners)");
        int l = _listenerCount++;
        _listenPorts[l] = port;
        _acceptSlots[l] = new int[_conns.Length];
        _acceptGenerations[l] = new int[_conns.Length];
    }

    /// <summary>Takes the next established connection on <paramref name="port"/>; false when none is waiting.</summary>
    public bool TryAccept(ushort port, out TcpSocket socket)
    {
        int l = FindListener(port);
        if (l < 0) throw new InvalidOperationException($"TCP port {port} is not listening");
        while (_acceptCount[l] > 0)
        {
            int slot = _acceptSlots[l][_acceptHead[l]], gen = _acceptGenerations[l][_acceptHead[l]];
            _acceptHead[l] = (_acceptHead[l] + 1) % _conns.Length;
            _acceptCount[l]--;
            var c = _conns[slot];
            if (!c.InUse || c.Generation != gen) continue;   // dropped before it was accepted
            if (c.State == TcpState.Closed) { Free(c); continue; }
            c.Owned = true;
            _counters.TcpAccepted++;
            if (c.Receive.Unread > 0 || c.PeerFinReceived) NotifyReady(c); // it spoke before it was accepted
            socket = new TcpSocket(slot, gen);
            return true;
        }
        socket = default;
        return false;
    }

    /// <summary>
    /// The next accepted connection whose state changed since it was last reported: bytes arrived, the peer closed or
    /// reset, or sent bytes were acknowledged (room to send). False when none.
    /// </summary>
    public bool TryGetReady(out TcpSocket socket)
    {
        while (_readyCount > 0)
        {
            var c = _conns[_ready[_readyHead]];
            _readyHead = (_readyHead + 1) % _conns.Length;
            _readyCount--;
            c.InReadyQueue = false;
            if (!c.InUse || !c.Owned) continue;
            socket = new TcpSocket(c.Slot, c.Generation);
            return true;
        }
        socket = default;
        return false;
    }

    public TcpState State(TcpSocket s) => Get(s).State;
    /// <summary>True when the peer reset the connection, or it was aborted or timed out.</summary>
    public bool WasReset(TcpSocket s) => Get(s).WasReset;
    /// <summary>Bytes ready to read.</summary>
    public int Available(TcpSocket s) => Get(s).Receive.Unread;
    /// <summary>End of stream: the peer sent FIN and every byte before it has been read.</summary>
    public bool PeerClosed(TcpSocket s) { var c = Get(s); return c.PeerFinReceived && c.Receive.Unread == 0; }
    public (Ipv4Address Address, ushort Port) RemoteEndPoint(TcpSocket s) { var c = Get(s); return (c.RemoteAddress, c.RemotePort); }

    /// <summary>The unread bytes that lie contiguously in the receive buffer, in place (read them, then <see cref="Consume"/>).</summary>
    public ReadOnlySpan<byte> Peek(TcpSocket s) => Get(s).Receive.Peek();

    /// <summary>Marks <paramref name="count"/> bytes as read; the window they free is announced when it is worth a segment.</summary>
    public void Consume(TcpSocket s, int count)
    {
        var c = Get(s);
        c.Receive.Consume(count);
        WindowMaybeOpened(c);
    }

    /// <summary>Copies up to <paramref name="destination"/>.Length bytes out; returns the count (0 when none is ready).</summary>
    public int Receive(TcpSocket s, Span<byte> destination)
    {
        var c = Get(s);
        int n = c.Receive.Read(destination);
        if (n > 0) WindowMaybeOpened(c);
        return n;
    }

    /// <summary>Bytes <see cref="Send"/> would take now (0 once the connection is closing or closed).</summary>
    public int SendSpace(TcpSocket s)
    {
        var c = Get(s);
        return CanSend(c) ? c.Send.Free : 0;
    }

    /// <summary>Queues as much of <paramref name="data"/> as fits (copied into the send buffer); returns the count. It leaves with the next <see cref="NetStack.Flush"/>.</summary>
    public int Send(TcpSocket s, ReadOnlySpan<byte> data)
    {
        var c = Get(s);
        if (!CanSend(c)) return 0;
        int n = c.Send.Append(data);
        if (n > 0) QueueOutput(c);
        return n;
    }

    /// <summary>Free send-buffer bytes that lie contiguously, to build data in place; <see cref="CommitSend"/> queues them.</summary>
    public Span<byte> GetSendBuffer(TcpSocket s)
    {
        var c = Get(s);
        return CanSend(c) ? c.Send.Writable() : default;
    }

    public void CommitSend(TcpSocket s, int count)
    {
        var c = Get(s);
        if (!CanSend(c)) throw new InvalidOperationException("the connection is closing or closed: nothing more can be sent");
        c.Send.Commit(count);
        if (count > 0) QueueOutput(c);
    }

    /// <summary>
    /// Closes the application's end: a FIN follows the queued data and the stack finishes the close on its own (the
    /// handle is invalid from now on). With unread data left the connection is reset instead (RFC 2525).
    /// </summary>
    public void Close(TcpSocket s)
    {
        var c = Get(s);
        c.Owned = false;
        if (c.State == TcpState.Closed) { Free(c); return; }
        if (c.Receive.Unread > 0) { Reset(c); return; }
        if (c.State == TcpState.FinWait2)
        {
            // After ShutdownSend: the application is gone now, so FIN_WAIT_2 is bounded from here on (as Linux's tcp_fin_timeout).
            c.StateDeadline = _now + _o.FinWait2TimeoutMicroseconds;
            ScheduleTimer(c.StateDeadline);
        }
        SendFinAfterQueuedData(c);
    }

    /// <summary>
    /// Ends the application's sending side (shutdown SHUT_WR): a FIN follows the queued data, and the application
    /// still holds the handle and can read what the peer sends until the peer closes too. Once the close has gone as
    /// far as it can (TIME_WAIT's time passed, or LAST_ACK acknowledged) the connection stays as
    /// <see cref="TcpState.Closed"/> until the application calls <see cref="Close(TcpSocket)"/>. A second call does nothing.
    /// </summary>
    public void ShutdownSend(TcpSocket s)
    {
        SendFinAfterQueuedData(Get(s));
    }

    /// <summary>ESTABLISHED to FIN_WAIT_1, CLOSE_WAIT to LAST_ACK: a FIN after the data queued now; nothing in any other state.</summary>
    void SendFinAfterQueuedData(TcpConnection c)
    {
        if (c.CloseRequested || c.State is not (TcpState.Established or TcpState.CloseWait)) return;
        c.CloseRequested = true;
        c.FinSeq = c.SndUna + (uint)c.Send.Count;
        c.State = c.State == TcpState.Established ? TcpState.FinWait1 : TcpState.LastAck;
        QueueOutput(c);
    }

    /// <summary>Resets the connection (RST to the peer) and frees it; the handle is invalid from now on.</summary>
    public void Abort(TcpSocket s)
    {
        var c = Get(s);
        c.Owned = false;
        Reset(c);
    }

    TcpConnection Get(TcpSocket s)
    {
        if ((uint)s.Slot >= (uint)_conns.Length) throw new ArgumentException($"TCP socket slot {s.Slot} is out of range", nameof(s));
        var c = _conns[s.Slot];
        if (!c.InUse || c.Generation != s.Generation || !c.Owned)
            throw new InvalidOperationException($"TCP socket {s} is no longer open (closed by the application or freed)");
        return c;
    }

    static bool CanSend(TcpConnection c) => !c.CloseRequested && c.State is TcpState.Established or TcpState.CloseWait;

    void WindowMaybeOpened(TcpConnection c)
    {
        if (c.State is not (TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)) return;
        uint rightEdge = c.Receive.Next + (uint)c.Receive.Window;
        int grown = (int)(rightEdge - c.RcvAdvertised);
        // Announce only a worthwhile increase (receiver-side silly window avoidance, RFC 1122 4.2.3.3).
        if (grown >= Math.Min(_o.Mss, c.Receive.Capacity / 2))
        {
            c.AckPending = true;
            QueueOutput(c);
        }
    }

    // ================= input =================

    internal void Input(Ipv4Address source, ReadOnlySpan<byte> segment, bool checksumTrusted)
    {
        _counters.TcpIn++;
        if (segment.Length < TcpHeader) { _counters.Malformed++; return; }
        int headerLength = (segment[TcpDataOffset] >> 4) * 4;
        if (headerLength < TcpHeader || headerLength > segment.Length) { _counters.Malformed++; return; }
        if (!checksumTrusted && !Checksum.Verifies(Checksum.Add(Checksum.PseudoHeader(source, _stack.Address, ProtocolTcp, segment.Length), segment)))
        {
            _counters.TcpChecksumErrors++;
            return;
        }
        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(segment[TcpSourcePort..]);
        ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(segment[TcpDestinationPort..]);
        uint seq = BinaryPrimitives.ReadUInt32BigEndian(segment[TcpSequence..]);
        uint ack = BinaryPrimitives.ReadUInt32BigEndian(segment[TcpAcknowledgment..]);
        byte flags = segment[TcpFlags];
        int window = BinaryPrimitives.ReadUInt16BigEndian(segment[TcpWindow..]);
        ReadOnlySpan<byte> data = segment[headerLength..];
        if (sourcePort == 0 || destinationPort == 0 || (flags & TcpSyn) != 0 && (flags & (TcpFin | TcpRst)) != 0) { _counters.Malformed++; return; }

        var c = Lookup(source, sourcePort, destinationPort);
        if (c != null && c.State == TcpState.TimeWait && (flags & (TcpSyn | TcpAck)) == TcpSyn && Gt(seq, c.AckNumber))
        {
            Finished(c); // RFC 1122 4.2.2.13: a new SYN beyond the old connection's sequence space reopens it
            c = null;
        }
        if (c == null)
        {
            NoConnection(source, sourcePort, destinationPort, seq, ack, flags, window, segment[TcpHeader..headerLength], data.Length);
            return;
        }
        Segment(c, seq, ack, flags, window, data);
    }

    void NoConnection(Ipv4Address source, ushort sourcePort, ushort localPort, uint seq, uint ack, byte flags, int window, ReadOnlySpan<byte> options, int dataLength)
    {
        if ((flags & TcpRst) != 0) return;
        if ((flags & TcpAck) != 0) { SendReset(source, localPort, sourcePort, ack, 0, withAck: false); return; }
        if ((flags & TcpSyn) == 0)
        {
            // Neither SYN nor ACK (RFC 9293 3.10.7.1): RST+ACK with sequence 0, acknowledging the segment and its FIN.
            SendReset(source, localPort, sourcePort, 0, seq + (uint)dataLength + ((flags & TcpFin) != 0 ? 1u : 0u), withAck: true);
            return;
        }
        uint ackForReset = seq + 1 + (uint)dataLength;
        int l = FindListener(localPort);
        if (l < 0) { SendReset(source, localPort, sourcePort, 0, ackForReset, withAck: true); return; }

        // Recycling ends TIME_WAIT early; a connection whose application still holds it stays, as Closed, until it is closed.
        while (_freeCount == 0 && _agingCount[AgingTimeWait] > 0) Finished(_conns[_agingHead[AgingTimeWait]]);
        if (_agingCount[AgingHalfOpen] >= _o.HalfOpenLimit || (_freeCount == 0 && _agingCount[AgingHalfOpen] > 0))
        {
            _counters.TcpHalfOpenDropped++;
            Free(_conns[_agingHead[AgingHalfOpen]]);
        }
        if (_freeCount == 0)
        {
            _counters.TcpRefused++;
            SendReset(source, localPort, sourcePort, 0, ackForReset, withAck: true);
            return;
        }
        var c = _conns[_free[--_freeCount]];
        Debug.Assert(!c.InUse);
        c.InUse = true;
        c.State = TcpState.SynReceived;
        c.Owned = false;
        c.WasReset = false;
        c.Listener = l;
        c.RemoteAddress = source;
        c.RemotePort = sourcePort;
        c.LocalPort = localPort;
        c.Irs = seq;
        c.Receive.Reset(seq + 1);
        c.Send.Reset();
        c.PeerFinSeen = c.PeerFinReceived = false;
        c.CloseRequested = false;
        c.AckPending = false;
        c.SegmentsUnacked = 0;
        c.Iss = NextIsn();
        c.SndUna = c.Iss;
        c.SndNxt = c.SndMax = c.Iss + 1;
        c.SndWnd = window;
        c.SndWl1 = seq;
        c.SndWl2 = c.Iss;
        c.SndMss = Math.Min(PeerMss(options), _o.Mss);
        c.Cwnd = Math.Min(10 * c.SndMss, Math.Max(2 * c.SndMss, 14600)); // RFC 6928 initial window
        c.Ssthresh = int.MaxValue;
        c.DupAcks = 0;
        c.Rto = _o.InitialRtoMicroseconds;
        c.Srtt = c.Rttvar = 0;
        c.RttMeasured = false;
        c.Retries = 0;
        c.Timing = true;             // time the SYN-ACK: the handshake gives the first RTT sample
        c.TimedSeq = c.Iss + 1;
        c.TimedAt = _now;
        c.StateDeadline = 0;
        HashInsert(c);
        AgingAdd(c, AgingHalfOpen);
        SendSynAck(c);
        Arm(c, _now + c.Rto);
    }

    static int PeerMss(ReadOnlySpan<byte> options)
    {
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == TcpOptionEnd) break;
            if (kind == TcpOptionNop) { i++; continue; }
            if (i + 1 >= options.Length) break;
            int len = options[i + 1];
            if (len < 2 || i + len > options.Length) break; // malformed: ignore the rest
            if (kind == TcpOptionMss && len == 4)
            {
                int mss = BinaryPrimitives.ReadUInt16BigEndian(options[(i + 2)..]);
                return Math.Max(mss, 64); // a peer announcing less gets segments of at least 64 bytes, as Linux does
            }
            i += len;
        }
        return DefaultPeerMss;
    }

    void Segment(TcpConnection c, uint seq, uint ack, byte flags, int window, ReadOnlySpan<byte> data)
    {
        bool syn = (flags & TcpSyn) != 0, fin = (flags & TcpFin) != 0, rst = (flags & TcpRst) != 0, hasAck = (flags & TcpAck) != 0;

        // Our SYN-ACK was lost: the peer retransmitted its SYN. A SYN with another ISN (a restarted peer, or a guess)
        // goes on below and earns an ACK for the state held (out of the window, or a challenge ACK, RFC 5961 4.2): the
        // half-open connection stays, and a restarted peer answers that ACK with the RST that frees it.
        if (c.State == TcpState.SynReceived && syn && !hasAck && seq == c.Irs)
        {
            SendSynAck(c);
            return;
        }

        // 1. Is the segment acceptable (RFC 793 p. 69)?
        uint rcvNxt = c.AckNumber;
        int rcvWnd = c.Receive.Window;
        int segLen = data.Length + (syn ? 1 : 0) + (fin ? 1 : 0);
        bool acceptable = segLen == 0
            ? (rcvWnd == 0 ? seq == rcvNxt : InWindow(seq, rcvNxt, rcvWnd))
            : rcvWnd > 0 && (InWindow(seq, rcvNxt, rcvWnd) || InWindow(seq + (uint)segLen - 1, rcvNxt, rcvWnd));
        bool zeroWindowProbe = !acceptable && rcvWnd == 0 && seq == rcvNxt && !rst;
        if (!acceptable && !zeroWindowProbe)
        {
            if (!rst)
            {
                _counters.TcpOutOfWindow++;
                SendAckNow(c);
                // The peer's FIN again (it lies just before RCV.NXT, so never in the window): our ACK was lost, and
                // TIME_WAIT starts over from this ACK (RFC 793, TIME-WAIT, FIN bit).
                if (fin && c.State == TcpState.TimeWait && seq + (uint)data.Length == c.PeerFinSeq) RestartTimeWait(c);
            }
            return;
        }

        // 2. RST: exactly at RCV.NXT it resets; elsewhere in the window it earns a challenge ACK (RFC 5961 3.2).
        if (rst)
        {
            if (seq != rcvNxt) { SendAckNow(c); return; }
            _counters.TcpResetsReceived++;
            PeerReset(c);
            return;
        }
        // 3. A SYN on a synchronized connection: challenge ACK (RFC 5961 4.2).
        if (syn) { SendAckNow(c); return; }
        // 4. ACK.
        if (!hasAck) return;
        if (c.State == TcpState.SynReceived)
        {
            if (ack != c.Iss + 1) { SendReset(c.RemoteAddress, c.LocalPort, c.RemotePort, ack, 0, withAck: false); return; }
            Established(c, seq, ack, window);
        }
        else if (!ProcessAck(c, seq, ack, window, data.Length, fin))
            return;
        if (zeroWindowProbe) { SendAckNow(c); return; }
        if (!c.InUse || c.State == TcpState.Closed) return; // LAST_ACK completed

        // 5. Data.
        if (data.Length > 0 && c.State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
        {
            if (c.CloseRequested && !c.Owned)
            {
                // The application has closed and will never read this: tell the peer (as Linux does).
                Reset(c);
                return;
            }
            bool hadHoles = c.Receive.HasOutOfOrder;
            int advanced = c.Receive.Accept(seq, data);
            if (advanced > 0)
            {
                NotifyReady(c);
                if (hadHoles) SendAckNow(c);          // filled (part of) a hole: ACK at once (RFC 5681 4.2)
                else
                {
                    c.AckPending = true;
                    if (_o.DelayedAckMicroseconds == 0 || ++c.SegmentsUnacked >= 2) QueueOutput(c);
                    else DelayAck(c);
                }
            }
            else
            {
                _counters.TcpOutOfOrder++;
                SendAckNow(c);                        // duplicate ACK for the peer's fast retransmit
            }
        }

        // 6. FIN (in order only: it takes effect once every byte before it is in).
        if (fin && c.State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
        {
            c.PeerFinSeen = true;
            c.PeerFinSeq = seq + (uint)data.Length;
        }
        if (c.PeerFinSeen && !c.PeerFinReceived && c.Receive.Next == c.PeerFinSeq) PeerFin(c);
    }

    void Established(TcpConnection c, uint seq, uint ack, int window)
    {
        AgingRemove(c);
        c.State = TcpState.Established;
        c.SndUna = ack;
        c.SndWnd = window;
        c.SndWl1 = seq;
        c.SndWl2 = ack;
        c.Retries = 0;
        if (c.Timing) SampleRtt(c);
        c.RtoDeadline = 0;
        int l = c.Listener;
        if (_acceptCount[l] == _conns.Length) DropStaleAcceptEntries(l);
        int tail = (_acceptHead[l] + _acceptCount[l]) % _conns.Length;
        _acceptSlots[l][tail] = c.Slot;
        _acceptGenerations[l][tail] = c.Generation;
        _acceptCount[l]++;
    }

    /// <summary>
    /// Removes from listener <paramref name="l"/>'s accept queue the entries of connections freed before they were
    /// accepted, keeping the order of the rest. The queue holds one entry per connection that reached ESTABLISHED and
    /// has not been taken, so after this at most one per other slot in use remains: a full queue always gains room.
    /// </summary>
    void DropStaleAcceptEntries(int l)
    {
        int[] slots = _acceptSlots[l], generations = _acceptGenerations[l];
        int kept = 0;
        for (int k = 0; k < _acceptCount[l]; k++)
        {
            int at = (_acceptHead[l] + k) % _conns.Length;
            var c = _conns[slots[at]];
            if (!c.InUse || c.Generation != generations[at]) continue;
            int to = (_acceptHead[l] + kept++) % _conns.Length;
            slots[to] = slots[at];
            generations[to] = generations[at];
        }
        _acceptCount[l] = kept;
    }

    /// <summary>Steps 4 for a synchronized connection. False when the segment must be dropped.</summary>
    bool ProcessAck(TcpConnection c, uint seq, uint ack, int window, int dataLength, bool fin)
    {
        if (Gt(ack, c.SndMax)) { SendAckNow(c); return false; } // acknowledges what was never sent
        bool advanced = Gt(ack, c.SndUna);
        if (advanced) AckAdvanced(c, ack);
        else if (ack == c.SndUna && dataLength == 0 && !fin && window == c.SndWnd && c.SndMax != c.SndUna)
        {
            if (++c.DupAcks == 3) FastRetransmit(c);
        }
        if (Lt(c.SndWl1, seq) || c.SndWl1 == seq && Le(c.SndWl2, ack))
        {
            bool opened = window > c.SndWnd;
            c.SndWnd = window;
            c.SndWl1 = seq;
            c.SndWl2 = ack;
            if (opened)
            {
                // Nothing in flight: a running timer is the persist timer, and an open window ends it (and its
                // backoff), so the data sent now gets a whole retransmission timeout from its sending.
                if (c.SndUna == c.SndMax && c.RtoDeadline != 0)
                {
                    c.RtoDeadline = 0;
                    c.Rto = EstimatedRto(c);
                }
                QueueOutput(c);
            }
        }
        // An ACK of new data ends the count of retransmissions. Otherwise the segment answers our data only while
        // the window is shut or nothing is in flight (an answer to a window probe): data in flight through an open
        // window that the peer does not acknowledge keeps counting towards MaxRetransmissions however much the peer
        // talks (Linux: only an ACK of new data clears icsk_retransmits). An answer to a probe that leaves the window
        // shut keeps only an owned connection probing: once the application has closed it, its probes count towards
        // MaxRetransmissions, so a peer that never opens its window cannot hold the slot forever (Linux: tcp_orphan_retries).
        // The window that decides is the one in force after this segment (SND.WND): a segment whose window the
        // SND.WL1/SND.WL2 rule below does not take changes nothing, whatever its window field says.
        bool probeAnswer = c.SndUna == c.SndMax || c.SndWnd == 0;
        if (advanced || probeAnswer && (c.Owned || c.SndWnd > 0)) c.Retries = 0;
        if (c.FinAcked)
        {
            switch (c.State)
            {
                case TcpState.FinWait1:
                    c.State = TcpState.FinWait2;
                    c.StateDeadline = _now + _o.FinWait2TimeoutMicroseconds;
                    ScheduleTimer(c.StateDeadline);
                    break;
                case TcpState.Closing: EnterTimeWait(c); break;
                case TcpState.LastAck: Finished(c); return true;
            }
        }
        return true;
    }

    void AckAdvanced(TcpConnection c, uint ack)
    {
        uint acked = ack - c.SndUna;
        int dataAcked = (int)Math.Min(acked, (uint)c.Send.Count);
        c.Send.Drop(dataAcked);
        c.SndUna = ack;
        if (Lt(c.SndNxt, ack)) c.SndNxt = ack;
        c.DupAcks = 0;
        if (c.Timing && Ge(ack, c.TimedSeq)) SampleRtt(c);
        else c.Rto = EstimatedRto(c); // new data got through: the backoff of earlier timeouts ends (as lwIP's tcp_receive)
        // Congestion window (RFC 5681): slow start below ssthresh, then about one MSS per round trip.
        c.Cwnd = c.Cwnd < c.Ssthresh ? c.Cwnd + Math.Min((int)acked, c.SndMss) : c.Cwnd + Math.Max(1, c.SndMss * c.SndMss / c.Cwnd);
        c.Cwnd = Math.Min(c.Cwnd, 1 << 24);
        c.RtoDeadline = 0;
        if (c.SndUna != c.SndMax) Arm(c, _now + c.Rto);
        if (dataAcked > 0)
        {
            if (c.Owned) NotifyReady(c);
            if (c.Send.Count > 0 || c.CloseRequested) QueueOutput(c);
        }
    }

    void SampleRtt(TcpConnection c)
    {
        c.Timing = false;
        long r = Math.Max(1, _now - c.TimedAt);
        if (!c.RttMeasured) { c.Srtt = r; c.Rttvar = r / 2; c.RttMeasured = true; }
        else
        {
            c.Rttvar = (3 * c.Rttvar + Math.Abs(c.Srtt - r)) / 4;
            c.Srtt = (7 * c.Srtt + r) / 8;
        }
        c.Rto = EstimatedRto(c);
    }

    /// <summary>RFC 6298's RTO from the connection's RTT estimate (SRTT + max(G, 4 RTTVAR), G = 1 ms), without backoff; the initial RTO before any sample.</summary>
    long EstimatedRto(TcpConnection c) =>
        c.RttMeasured ? Math.Clamp(c.Srtt + Math.Max(1000, 4 * c.Rttvar), _o.MinRtoMicroseconds, _o.MaxRtoMicroseconds) : _o.InitialRtoMicroseconds;

    void FastRetransmit(TcpConnection c)
    {
        _counters.TcpFastRetransmissions++;
        int flight = (int)(c.SndMax - c.SndUna);
        c.Ssthresh = Math.Max(flight / 2, 2 * c.SndMss);
        c.Cwnd = c.Ssthresh;
        c.Timing = false;
        SendFromUna(c);
    }

    /// <summary>
    /// Sends one segment starting at SND.UNA: up to an MSS of the data sent before (ignoring the window: the peer may
    /// have shrunk it), or of what the peer's window holds if that is more, never bytes beyond both; with the FIN if it
    /// is next and inside the peer's window. Bytes or a FIN beyond the window are dropped there, and counted as sent
    /// they would wait for the retransmission timer instead of going when the window opens.
    /// </summary>
    void SendFromUna(TcpConnection c)
    {
        int sentData = (int)(c.SndMax - c.SndUna) - (c.FinSent ? 1 : 0);
        int len = Math.Min(Math.Min(c.Send.Count, c.SndMss), Math.Max(sentData, c.SndWnd));
        bool fin = c.CloseRequested && c.SndUna + (uint)len == c.FinSeq && c.SndWnd > len;
        if (len == 0 && !fin) return;
        if (SendSegment(c, c.SndUna, len, (byte)(TcpAck | (fin ? TcpFin : 0) | (len > 0 ? TcpPsh : 0))))
        {
            uint end = c.SndUna + (uint)len + (fin ? 1u : 0u);
            if (Gt(end, c.SndNxt)) c.SndNxt = end;
            if (Gt(end, c.SndMax)) c.SndMax = end;
        }
    }

    void PeerFin(TcpConnection c)
    {
        c.PeerFinReceived = true;
        NotifyReady(c);
        SendAckNow(c);
        switch (c.State)
        {
            case TcpState.Established: c.State = TcpState.CloseWait; break;
            case TcpState.FinWait1:
                if (c.FinAcked) EnterTimeWait(c);
                else c.State = TcpState.Closing;
                break;
            case TcpState.FinWait2: EnterTimeWait(c); break;
        }
    }

    void EnterTimeWait(TcpConnection c)
    {
        c.State = TcpState.TimeWait;
        c.RtoDeadline = 0;
        RestartTimeWait(c);
        AgingAdd(c, AgingTimeWait);
    }

    void RestartTimeWait(TcpConnection c)
    {
        c.StateDeadline = _now + _o.TimeWaitMicroseconds;
        ScheduleTimer(c.StateDeadline);
    }

    void PeerReset(TcpConnection c)
    {
        if (!c.Owned) { Free(c); return; }
        Close(c, reset: true);
        NotifyReady(c);
    }

    /// <summary>Sends RST (when synchronized) and frees the connection, or keeps it as Closed for an application that still holds it.</summary>
    void Reset(TcpConnection c)
    {
        if (c.State != TcpState.SynReceived && c.State != TcpState.Closed)
            SendSegment(c, c.SndMax, 0, TcpRst | TcpAck);
        if (!c.Owned) { Free(c); return; }
        Close(c, reset: true);
        NotifyReady(c);
    }

    /// <summary>The close is complete (LAST_ACK acknowledged, TIME_WAIT over): freed, or kept as Closed for an
    /// application that still holds it after <see cref="ShutdownSend"/>.</summary>
    void Finished(TcpConnection c)
    {
        if (!c.Owned) { Free(c); return; }
        Close(c, reset: false);
        NotifyReady(c);
    }

    /// <summary>Takes a connection off the wire (no more segments reach it) but keeps its slot for the application.</summary>
    void Close(TcpConnection c, bool reset)
    {
        if (c.InHash) HashRemove(c);
        AgingRemove(c);
        c.State = TcpState.Closed;
        c.WasReset = reset;
        c.RtoDeadline = c.StateDeadline = 0;
    }

    // ================= output =================

    /// <summary>Sends, for every connection with something to say, its data (within the peer's window and the congestion window), FIN or ACK.</summary>
    internal void Flush()
    {
        int n = _outputCount;
        while (n-- > 0 && _outputCount > 0)
        {
            var c = _conns[_output[_outputHead]];
            _outputHead = (_outputHead + 1) % _conns.Length;
            _outputCount--;
            c.InOutputQueue = false;
            if (!c.InUse) continue;
            if (!Output(c, force: false))
            {
                QueueOutput(c); // try again next time
                // An unresolved peer (its ARP request is out) holds back only its own segments; a full transmitter ends the round.
                if (_stack.TryGetArpEntry(c.RemoteAddress, out _)) return;
            }
        }
    }

    /// <summary>False when the transmitter ran out of room.</summary>
    bool Output(TcpConnection c, bool force)
    {
        bool sent = false;
        if (c.State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck)
        {
            uint dataEnd = c.SndUna + (uint)c.Send.Count;
            while (true)
            {
                int unsent = Math.Max(0, (int)(dataEnd - c.SndNxt));
                int limit = Math.Min(c.SndWnd, c.Cwnd);
                int usable = (int)(c.SndUna + (uint)limit - c.SndNxt);
                if (force && usable < 1) usable = 1;
                int len = Math.Min(unsent, Math.Min(c.SndMss, Math.Max(usable, 0)));
                // The FIN takes a sequence number, so it goes only inside the peer's window (a peer whose window is
                // shut drops it, RFC 9293 3.10.7.4); held back, it waits behind the persist timer's probes and goes
                // when the window opens. A timeout's retransmission (force) sends it regardless, as it does data.
                bool fin = c.CloseRequested && c.SndNxt + (uint)len == c.FinSeq && (force || (int)(c.SndUna + (uint)c.SndWnd - c.SndNxt) > len);
                if (len == 0 && !fin) break;
                bool retransmission = Lt(c.SndNxt, c.SndMax);
                if (!SendSegment(c, c.SndNxt, len, (byte)(TcpAck | (fin ? TcpFin : 0) | (len > 0 && len == unsent ? TcpPsh : 0))))
                    return false;
                sent = true;
                c.SndNxt += (uint)len + (fin ? 1u : 0u);
                if (Gt(c.SndNxt, c.SndMax)) c.SndMax = c.SndNxt;
                if (!c.Timing && !retransmission) { c.Timing = true; c.TimedSeq = c.SndNxt; c.TimedAt = _now; }
                if (c.RtoDeadline == 0) Arm(c, _now + c.Rto);
                if (force || fin) break;
            }
            // Zero window with data waiting and nothing in flight: the retransmission timer doubles as the persist timer.
            if (!sent && c.SndWnd == 0 && (c.Send.Count > 0 || c.CloseRequested && !c.FinSent) && c.RtoDeadline == 0)
                Arm(c, _now + c.Rto);
        }
        if (!sent && c.AckPending) return SendAckNow(c);
        return true;
    }

    bool SendAckNow(TcpConnection c) => SendSegment(c, c.SndNxt, 0, TcpAck);

    void SendSynAck(TcpConnection c) => SendSegment(c, c.Iss, 0, TcpSyn | TcpAck);

    /// <summary>Builds and queues one segment of connection <paramref name="c"/>: <paramref name="length"/> bytes of its send buffer from <paramref name="seq"/>.</summary>
    bool SendSegment(TcpConnection c, uint seq, int length, byte flags)
    {
        Span<byte> frame = _stack.BeginIpv4(c.RemoteAddress);
        if (frame.IsEmpty) return false;
        bool syn = (flags & TcpSyn) != 0;
        int header = syn ? TcpHeader + 4 : TcpHeader;
        Span<byte> tcp = frame.Slice(EthHeader + IpHeader, header + length);
        uint ackNumber = c.AckNumber;
        int window = Math.Min(c.Receive.Window, 65535);
        WriteHeader(tcp, c.LocalPort, c.RemotePort, seq, ackNumber, flags, window, header);
        if (syn)
        {
            tcp[TcpHeader] = TcpOptionMss;
            tcp[TcpHeader + 1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(tcp[(TcpHeader + 2)..], (ushort)_o.Mss);
        }
        if (length > 0) c.Send.CopyOut((int)(seq - c.SndUna), tcp.Slice(header, length));
        Checksum.Store(tcp[TcpChecksum..], Checksum.Finish(Checksum.Add(Checksum.PseudoHeader(_stack.Address, c.RemoteAddress, ProtocolTcp, tcp.Length), tcp)));
        _stack.CommitIpv4(frame, c.RemoteAddress, ProtocolTcp, tcp.Length);
        if ((flags & TcpAck) != 0)
        {
            c.AckPending = false;
            c.SegmentsUnacked = 0;
            c.RcvAdvertised = ackNumber + (uint)window;
        }
        if ((flags & TcpRst) != 0) _counters.TcpResetsSent++;
        return true;
    }

    void SendReset(Ipv4Address to, ushort localPort, ushort remotePort, uint seq, uint ack, bool withAck)
    {
        Span<byte> frame = _stack.BeginIpv4(to);
        if (frame.IsEmpty) return;
        Span<byte> tcp = frame.Slice(EthHeader + IpHeader, TcpHeader);
        WriteHeader(tcp, localPort, remotePort, seq, withAck ? ack : 0, (byte)(TcpRst | (withAck ? TcpAck : 0)), 0, TcpHeader);
        Checksum.Store(tcp[TcpChecksum..], Checksum.Finish(Checksum.Add(Checksum.PseudoHeader(_stack.Address, to, ProtocolTcp, TcpHeader), tcp)));
        _stack.CommitIpv4(frame, to, ProtocolTcp, TcpHeader);
        _counters.TcpResetsSent++;
    }

    static void WriteHeader(Span<byte> tcp, ushort sourcePort, ushort destinationPort, uint seq, uint ack, byte flags, int window, int headerLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpSourcePort..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpDestinationPort..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[TcpSequence..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[TcpAcknowledgment..], ack);
        tcp[TcpDataOffset] = (byte)(headerLength / 4 << 4);
        tcp[TcpFlags] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpWindow..], (ushort)window);
        tcp[TcpChecksum] = 0;
        tcp[TcpChecksum + 1] = 0;
        tcp[TcpUrgent] = 0;
        tcp[TcpUrgent + 1] = 0;
    }

    // ================= timers =================

    void Arm(TcpConnection c, long deadline)
    {
        c.RtoDeadline = deadline;
        ScheduleTimer(deadline);
    }

    void ScheduleTimer(long deadline)
    {
        if (deadline < _nextTimer) _nextTimer = deadline;
    }

    /// <summary>The ACK of in-order data waits until <see cref="NetStackOptions.DelayedAckMicroseconds"/> from now for data to ride on.</summary>
    void DelayAck(TcpConnection c)
    {
        if (c.InDelayedAckQueue) return; // an earlier deadline stands
        c.InDelayedAckQueue = true;
        c.AckDeadline = _now + _o.DelayedAckMicroseconds;
        _delayedAck[(_delayedAckHead + _delayedAckCount++) % _delayedAck.Length] = c.Slot;
    }

    /// <summary>
    /// The deadline (stack clock, microseconds) of the oldest delayed-ACK entry, long.MaxValue when none: a caller that
    /// sleeps should not sleep past it. The entry may be stale (its ACK already rode on data); it then costs one round.
    /// </summary>
    public long NextDelayedAck => _delayedAckCount > 0 ? _conns[_delayedAck[_delayedAckHead]].AckDeadline : long.MaxValue;

    internal void RunTimers(long now)
    {
        _now = now;
        while (_delayedAckCount > 0)
        {
            var d = _conns[_delayedAck[_delayedAckHead]];
            Debug.Assert(d.InDelayedAckQueue);
            if (now < d.AckDeadline) break;
            _delayedAckHead = (_delayedAckHead + 1) % _delayedAck.Length;
            _delayedAckCount--;
            d.InDelayedAckQueue = false;
            if (d.InUse && d.AckPending) QueueOutput(d); // nothing rode on it in time: a pure ACK at the next Flush
        }
        if (now < _nextTimer) return;
        long next = long.MaxValue;
        foreach (var c in _conns)
        {
            if (!c.InUse) continue;
            if (c.StateDeadline != 0 && now >= c.StateDeadline)
            {
                if (c.State == TcpState.TimeWait) { Finished(c); continue; }
                if (c.State == TcpState.FinWait2 && !c.Owned) { Free(c); continue; }
                c.StateDeadline = 0;
            }
            if (c.RtoDeadline != 0 && now >= c.RtoDeadline) RetransmissionTimeout(c);
            if (!c.InUse) continue;
            if (c.RtoDeadline != 0 && c.RtoDeadline < next) next = c.RtoDeadline;
            if (c.StateDeadline != 0 && c.StateDeadline < next) next = c.StateDeadline;
        }
        _nextTimer = next;
    }

    void RetransmissionTimeout(TcpConnection c)
    {
        c.RtoDeadline = 0;
        c.Timing = false; // Karn: a retransmitted segment gives no RTT sample
        if (c.State == TcpState.SynReceived)
        {
            if (c.Retries >= _o.SynAckRetries) { _counters.TcpHalfOpenDropped++; Free(c); return; }
            c.Retries++;
            c.Rto = Math.Min(c.Rto * 2, _o.MaxRtoMicroseconds);
            _counters.TcpRetransmissions++;
            SendSynAck(c);
            Arm(c, _now + c.Rto);
            return;
        }
        if (c.State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck)) return;
        bool inFlight = c.SndUna != c.SndMax;
        bool held = c.SndWnd == 0 && (c.Send.Count > 0 || c.CloseRequested && !c.FinSent);
        if (!inFlight && !held) return; // nothing outstanding
        if (++c.Retries > _o.MaxRetransmissions)
        {
            _counters.TcpTimeouts++;
            Reset(c);
            return;
        }
        c.Rto = Math.Min(c.Rto * 2, _o.MaxRtoMicroseconds);
        if (!inFlight)
        {
            // Persist: a zero window holds data back. Probe as Linux does, with an empty segment just below SND.UNA:
            // the peer answers with an ACK that carries its current window, and no byte is sent that it must drop.
            SendSegment(c, c.SndUna - 1, 0, TcpAck);
            Arm(c, _now + c.Rto);
            return;
        }
        int flight = (int)(c.SndMax - c.SndUna);
        c.Ssthresh = Math.Max(flight / 2, 2 * c.SndMss);
        c.Cwnd = c.SndMss;
        c.SndNxt = c.SndUna; // go back: everything from SND.UNA is sent again as the window allows
        _counters.TcpRetransmissions++;
        if (!Output(c, force: true)) QueueOutput(c); // no transmit buffer (or no MAC): the next Flush sends from SND.UNA
        Arm(c, _now + c.Rto);
    }

    // ================= table, hash, queues =================

    int FindListener(ushort port)
    {
        for (int i = 0; i < _listenerCount; i++) if (_listenPorts[i] == port) return i;
        return -1;
    }

    static int Hash(Ipv4Address address, ushort remotePort, ushort localPort)
    {
        uint h = address.Value * 0x9E3779B1u ^ ((uint)remotePort << 16 | localPort) * 0x85EBCA77u;
        return (int)(h ^ h >> 15);
    }

    TcpConnection? Lookup(Ipv4Address address, ushort remotePort, ushort localPort)
    {
        for (int i = _buckets[Hash(address, remotePort, localPort) & _bucketMask]; i >= 0; i = _conns[i].HashNext)
        {
            var c = _conns[i];
            if (c.RemotePort == remotePort && c.LocalPort == localPort && c.RemoteAddress == address) return c;
        }
        return null;
    }

    void HashInsert(TcpConnection c)
    {
        ref int head = ref _buckets[Hash(c.RemoteAddress, c.RemotePort, c.LocalPort) & _bucketMask];
        c.HashNext = head;
        head = c.Slot;
        c.InHash = true;
    }

    void HashRemove(TcpConnection c)
    {
        ref int link = ref _buckets[Hash(c.RemoteAddress, c.RemotePort, c.LocalPort) & _bucketMask];
        while (link >= 0)
        {
            if (link == c.Slot) { link = c.HashNext; c.HashNext = -1; c.InHash = false; return; }
            link = ref _conns[link].HashNext;
        }
    }

    void AgingAdd(TcpConnection c, int list)
    {
        AgingRemove(c);
        c.AgingList = list;
        c.AgingSince = _now;
        c.AgingPrev = _agingTail[list];
        c.AgingNext = -1;
        if (_agingTail[list] >= 0) _conns[_agingTail[list]].AgingNext = c.Slot;
        else _agingHead[list] = c.Slot;
        _agingTail[list] = c.Slot;
        _agingCount[list]++;
    }

    void AgingRemove(TcpConnection c)
    {
        int list = c.AgingList;
        if (list < 0) return;
        if (c.AgingPrev >= 0) _conns[c.AgingPrev].AgingNext = c.AgingNext;
        else _agingHead[list] = c.AgingNext;
        if (c.AgingNext >= 0) _conns[c.AgingNext].AgingPrev = c.AgingPrev;
        else _agingTail[list] = c.AgingPrev;
        c.AgingList = c.AgingPrev = c.AgingNext = -1;
        _agingCount[list]--;
    }

    void Free(TcpConnection c)
    {
        Debug.Assert(c.InUse);
        if (c.InHash) HashRemove(c);
        AgingRemove(c);
        c.InUse = false;
        c.Owned = false;
        c.State = TcpState.Closed;
        c.RtoDeadline = c.StateDeadline = 0;
        c.Generation++;
        _free[_freeCount++] = c.Slot;
    }

    void NotifyReady(TcpConnection c)
    {
        if (c.InReadyQueue || !c.Owned) return;
        c.InReadyQueue = true;
        _ready[(_readyHead + _readyCount) % _conns.Length] = c.Slot;
        _readyCount++;
    }

    void QueueOutput(TcpConnection c)
    {
        if (c.InOutputQueue) return;
        c.InOutputQueue = true;
        _output[(_outputHead + _outputCount) % _conns.Length] = c.Slot;
        _outputCount++;
    }

    uint NextIsn()
    {
        // xorshift64*: unpredictable enough for a link inside two private namespaces (RFC 6528's keyed hash is not needed here).
        _isnState ^= _isnState >> 12;
        _isnState ^= _isnState << 25;
        _isnState ^= _isnState >> 27;
        return (uint)(_isnState * 0x2545F4914F6CDD1DUL >> 32);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) NativeMemory.AlignedFree(_slab);
    }
}

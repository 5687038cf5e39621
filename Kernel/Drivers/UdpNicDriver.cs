using System.Net.Sockets;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Urpc;
using static Multikernel.Drivers.NicMessages;

namespace Multikernel.Drivers;

/// <summary>
/// The modelled NIC for datagrams: a dispatcher that owns a non-blocking UDP socket and polls it from its run upcall
/// on its own core (the "NIC" is the socket; its receive queue is the RX ring). Each received datagram lands in a
/// buffer of the driver's <see cref="PacketPool"/> and goes to the stack as an <see cref="NicMessages.Rx"/>
/// descriptor; the stack answers with <see cref="NicMessages.Tx"/> for the same buffer (the reply built in place),
/// which the driver transmits to the datagram's sender and frees.
/// <para>Invariants: only this dispatcher touches the socket, the pool's free list and the per-buffer peer
/// addresses. A buffer is either free, or out at the stack (exactly one descriptor in flight). A datagram longer
/// than <see cref="MaxDatagram"/> (at most a buffer) is dropped (never passed on in part) and counted in <see cref="Oversized"/>. When every buffer is out the
/// driver stops reading the socket (back-pressure), as a NIC whose RX ring is full.</para>
/// </summary>
public sealed unsafe class UdpNicDriver : Dispatcher
{
    /// <summary>At most this many datagrams read (and replies handled) per run upcall, so neither direction starves.</summary>
    public const int Batch = 32;

    readonly Socket _socket;
    readonly int _fd;
    readonly PacketPool _pool;
    readonly UrpcEndpoint _stack;
    readonly UrpcBacklog _toStack = new();
    byte* _peers;                 // Count x AddressBytes: the sender of the datagram in each buffer; made by OnStart, freed by OnStop
    readonly int[] _peerLength;
    readonly int _maxDatagram;
    int _disposed;

    public long Received { get; private set; }
    public long Transmitted { get; private set; }
    /// <summary>Replies the socket refused (send buffer full): dropped, as a NIC drops on a full TX ring.</summary>
    public long TxDropped { get; private set; }
    /// <summary>Datagrams longer than <see cref="MaxDatagram"/>: dropped, not passed to the stack (so never echoed in part).</summary>
    public long Oversized { get; private set; }
    /// <summary>The longest datagram passed to the stack (at most the pool's <see cref="PacketPool.BufferSize"/>).</summary>
    public int MaxDatagram => _maxDatagram;
    /// <summary>Optional: measures this core's allocations over a window of received datagrams (set before the driver starts).</summary>
    public AllocationProbe? Probe { get; init; }

    /// <param name="socket">A bound UDP socket; the driver switches it to non-blocking and reads and writes it from now on.
    /// The caller closes it, after the driver has stopped.</param>
    /// <param name="pool">Receive buffers; owned by this driver (allocate and free happen only here).</param>
    /// <param name="stack">This driver's end of the binding to the stack dispatcher.</param>
    /// <param name="maxDatagram">The longest datagram passed to the stack, 0 to the pool's buffer size (the default). A
    /// server's stated maximum belongs here: the pool rounds its buffers up to whole cache lines.</param>
    public UdpNicDriver(Socket socket, PacketPool pool, UrpcEndpoint stack, int? maxDatagram = null) : base("udp-nic-driver")
    {
        if (socket.SocketType != SocketType.Dgram) throw new ArgumentException("the UDP NIC driver needs a datagram socket", nameof(socket));
        if (maxDatagram is < 0 || maxDatagram > pool.BufferSize)
            throw new ArgumentOutOfRangeException(nameof(maxDatagram), maxDatagram, $"a datagram of 0 to {pool.BufferSize} B (the pool's buffer size)");
        _socket = socket;
        _socket.Blocking = false;
        _fd = (int)socket.Handle;
        _pool = pool;
        _stack = stack;
        _peerLength = new int[pool.Count];
        _maxDatagram = maxDatagram ?? pool.BufferSize;
    }

    /// <summary>
    /// Makes the peer-address table on the driver's core (first touch there), so that a driver made but never started
    /// (its server failing before the spawn) holds no unmanaged memory; <see cref="OnStop"/> frees it.
    /// </summary>
    protected internal override void OnStart() =>
        _peers = (byte*)NativeBlock.Alloc((nuint)(_pool.Count * SocketCalls.AddressBytes));

    /// <summary>A polling driver: it always has the socket to look at, so its core never sleeps while it runs.</summary>
    protected internal override bool HasLocalWork => true;

    protected internal override bool Run()
    {
        bool progress = _toStack.Count > 0 && _toStack.Flush(_stack.Sender) > 0;
        for (int k = 0; k < Batch && _stack.Receiver.TryReceive(out UrpcMessage m); k++)
        {
            progress = true;
            if (m.Type != Tx.TypeId)
                throw new InvalidDataException($"UDP NIC driver: unexpected message type {m.Type} from the stack");
            var tx = Tx.Decode(in m);
            if ((uint)tx.Length > (uint)_pool.BufferSize || tx.Flow != (ulong)tx.Buffer)
                throw new InvalidDataException($"UDP NIC driver: bad Tx descriptor (buffer {tx.Buffer}, length {tx.Length}, flow {tx.Flow})");
            if (SocketCalls.TrySendTo(_fd, _pool.Address(tx.Buffer), tx.Length, _peers + tx.Buffer * SocketCalls.AddressBytes, _peerLength[tx.Buffer]))
                Transmitted++;
            else
                TxDropped++;
            _pool.Free(tx.Buffer);
        }
        for (int k = 0; k < Batch; k++)
        {
            if (!_pool.TryAllocate(out int buffer)) break;
            int n = SocketCalls.TryReceiveFrom(_fd, _pool.Address(buffer), _pool.BufferSize, _peers + buffer * SocketCalls.AddressBytes, out _peerLength[buffer]);
            if (n < 0) { _pool.Free(buffer); break; }
            progress = true;
            if (n > _maxDatagram) { Oversized++; _pool.Free(buffer); continue; }
            Received++;
            _toStack.Send(_stack.Sender, new Rx(buffer, n, (ulong)buffer));
        }
        Probe?.Observe(Received);
        return progress;
    }

    protected internal override void OnStop()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _peers == null) return;
        NativeBlock.Free(_peers, (nuint)(_pool.Count * SocketCalls.AddressBytes));
        _peers = null;
    }
}

using Multikernel.CpuDriver;
using Multikernel.Drivers;
using Multikernel.Net.Nic;
using Multikernel.Urpc;

namespace Multikernel.Net.Cores;

/// <summary>
/// The NIC driver core: a dispatcher that owns a <see cref="PacketRing"/> (the AF_PACKET receive and transmit rings
/// on its veth end). The receive ring is an <see cref="IEventSource"/> in the dispatcher's waitset; each received
/// frame stays in the ring and goes to the stack core as a <see cref="FrameMessages.Rx"/> descriptor, and the ring
/// slot or block goes back to the kernel when the stack's <see cref="FrameMessages.RxRelease"/> arrives. Frames to
/// send arrive as <see cref="FrameMessages.Tx"/> descriptors into the stack's transmit frame pool; the driver copies
/// each into the next transmit ring slot (this copy stands for the NIC's DMA from the buffer a descriptor names),
/// answers <see cref="FrameMessages.TxDone"/> (a batch per round, or per <see cref="FrameIndexBatch.Capacity"/>
/// buffers) and kicks the ring once per round.
/// <para>Invariants: only this dispatcher calls the ring (take, release, begin/commit, kick); a transmit descriptor that
/// finds the ring full waits in a FIFO of fixed size (the stack's pool size) and is sent in order before any later one.
/// It polls all the time (<see cref="HasLocalWork"/> is true while running), as Barrelfish's polling e1000 driver does:
/// the kernel that fills the ring cannot wake a sleeping core.</para>
/// </summary>
public sealed class RingNicDriver : Dispatcher
{
    /// <summary>Frames forwarded per poll of the receive ring, and messages handled per round, at most.</summary>
    public const int Batch = 64;

    readonly PacketRing _ring;
    readonly PacketPool _txFrames;
    readonly UrpcEndpoint _stack;
    readonly UrpcBacklog _toStack = new();
    readonly ReceiveRingSource _source;
    readonly int[] _waitBuffer, _waitLength;
    int _waitHead, _waitCount;
    FrameIndexBatch _txDone; // buffers copied into the ring this round, not yet handed back
    bool _stopped;

    public long FramesIn { get; private set; }
    public long FramesOut { get; private set; }
    /// <summary>TxDone messages sent (each hands back a batch of buffers).</summary>
    public long TxDoneMessages { get; private set; }
    /// <summary>Transmit descriptors that found the ring full and waited for a slot.</summary>
    public long RingFullWaits { get; private set; }
    /// <summary>Optional: measures this core's allocations over a window of received frames (set before the driver starts).</summary>
    public AllocationProbe? Probe { get; init; }
    public PacketRing Ring => _ring;

    /// <param name="ring">The ring, opened in the server namespace; the driver owns it from now on (the caller disposes it after the system stopped).</param>
    /// <param name="txFrames">The stack core's transmit frame pool: read here, allocated and freed only by the stack core.</param>
    /// <param name="stack">This driver's end of the binding to the stack core.</param>
    public RingNicDriver(PacketRing ring, PacketPool txFrames, UrpcEndpoint stack) : base("ring-nic-driver")
    {
        if (txFrames.BufferSize < ring.MaxFrameLength)
            throw new ArgumentException($"transmit frame buffers of {txFrames.BufferSize} B cannot hold a {ring.MaxFrameLength}-byte frame", nameof(txFrames));
        _ring = ring;
        _txFrames = txFrames;
        _stack = stack;
        _source = new ReceiveRingSource(this);
        _waitBuffer = new int[txFrames.Count];
        _waitLength = new int[txFrames.Count];
    }

    protected internal override void OnStart()
    {
        Waitset.Add(_stack.Receiver, OnMessage);
        Waitset.Add(_source);
    }

    protected internal override bool HasLocalWork => !_stopped;

    protected internal override bool Run()
    {
        bool progress = _toStack.Count > 0 && _toStack.Flush(_stack.Sender) > 0;
        for (int k = 0; k < Batch && _stack.Receiver.TryReceive(out UrpcMessage m); k++)
        {
            progress = true;
            OnMessage(in m);
        }
        while (_waitCount > 0 && TryTransmit(_waitBuffer[_waitHead], _waitLength[_waitHead]))
        {
            _waitHead = _waitHead + 1 == _waitBuffer.Length ? 0 : _waitHead + 1;
            _waitCount--;
            progress = true;
        }
        if (_txDone.Count > 0) SendTxDone();
        if (_ring.KickNeeded)
        {
            _ring.Kick();
            progress = true;
        }
        Probe?.Observe(FramesIn);
        return progress;
    }

    /// <summary>Takes up to <see cref="Batch"/> frames from the receive ring and sends their descriptors; true if there were any.</summary>
    internal bool ForwardReceived()
    {
        int n = 0;
        while (n < Batch && _ring.TryReceive(out RxFrame frame))
        {
            FramesIn++;
            n++;
            _toStack.Send(_stack.Sender, new FrameMessages.Rx(frame));
        }
        return n > 0;
    }

    internal bool HasReceived => _ring.HasReceived;

    void OnMessage(in UrpcMessage m)
    {
        switch (m.Type)
        {
            case FrameMessages.RxRelease.TypeId:
            {
                var blocks = FrameMessages.RxRelease.Decode(in m).Blocks;
                for (int i = 0; i < blocks.Count; i++) _ring.Release(new RxFrame(blocks[i], 0, 0, default));
                break;
            }
            case FrameMessages.Tx.TypeId:
            {
                var tx = FrameMessages.Tx.Decode(in m);
                if ((uint)tx.Buffer >= (uint)_txFrames.Count || tx.Length < 14 || tx.Length > _ring.MaxFrameLength)
                    throw new InvalidDataException($"ring NIC driver: bad transmit descriptor (buffer {tx.Buffer}, length {tx.Length})");
                if (_waitCount == 0 && TryTransmit(tx.Buffer, tx.Length)) break;
                if (_waitCount == _waitBuffer.Length) throw new InvalidOperationException("ring NIC driver: more transmit descriptors waiting than the stack's pool has buffers");
                int tail = (_waitHead + _waitCount) % _waitBuffer.Length;
                _waitBuffer[tail] = tx.Buffer;
                _waitLength[tail] = tx.Length;
                _waitCount++;
                RingFullWaits++;
                break;
            }
            default:
                throw new InvalidDataException($"ring NIC driver: unexpected message type {m.Type} from the stack core");
        }
    }

    bool TryTransmit(int buffer, int length)
    {
        Span<byte> slot = _ring.BeginFrame();
        if (slot.IsEmpty)
        {
            _ring.Kick(); // slots free up only as the kernel sends what is marked
            return false;
        }
        _txFrames[buffer][..length].CopyTo(slot);
        _ring.CommitFrame(length);
        FramesOut++;
        _txDone.Add(buffer);
        if (_txDone.IsFull) SendTxDone();
        return true;
    }

    void SendTxDone()
    {
        _toStack.Send(_stack.Sender, new FrameMessages.TxDone(_txDone));
        _txDone.Clear();
        TxDoneMessages++;
    }

    protected internal override void OnStop()
    {
        _stopped = true;
        if (_ring.KickNeeded) _ring.Kick();
    }

    /// <summary>The receive ring as a waitset source: an event is "frames are waiting"; handling it forwards a batch.
    /// The kernel cannot wake the core, so the notifier is not used; the driver never sleeps while it runs.</summary>
    sealed class ReceiveRingSource(RingNicDriver driver) : IEventSource
    {
        public bool PollOnce() => driver.ForwardReceived();
        public bool HasEvent() => driver.HasReceived;
        public void AttachNotifier(Notifier? notifier) { }
    }
}

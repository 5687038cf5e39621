using Multikernel.CpuDriver;
using Multikernel.Drivers;
using Multikernel.Hardware;
using Multikernel.Net.Nic;
using Multikernel.Net.Stack;
using Multikernel.Urpc;

namespace Multikernel.Net.Cores;

/// <summary>
/// The stack core: a dispatcher that owns a <see cref="NetStack"/> and the application above it
/// (<see cref="INetApplication"/>). Received frames arrive from the <see cref="RingNicDriver"/> as descriptors; the
/// stack processes each in place in the driver's receive ring (through a read-only <see cref="RxRingView"/>) and
/// releases it with <see cref="FrameMessages.RxRelease"/> (a batch per round, or per <see cref="FrameIndexBatch.Capacity"/> frames). Frames it sends are built in its own transmit frame pool and
/// leave as <see cref="FrameMessages.Tx"/> descriptors. Each round: the stack's clock, the frames that arrived, the
/// application, the TCP flush (so ACKs ride on responses), then the descriptors that waited for ring room.
/// <para>Invariants: only this dispatcher touches the stack, the application and the transmit pool's free list; a
/// received frame is read only between its Rx and its RxRelease. Timers: the core may sleep when idle; the stack's
/// timers (retransmission, TIME_WAIT) then run at the latest after the core's bounded sleep
/// (<see cref="Notifier.MaxSleep"/>) or with the next frame or message; a delayed ACK at its deadline
/// (<see cref="WakeAt"/>).</para>
/// </summary>
public sealed class NetStackDispatcher : Dispatcher
{
    public const int Batch = 64;

    readonly UrpcEndpoint _driver;
    readonly RxRingView _rx;
    readonly PacketPool _txFrames;
    readonly UrpcBacklog _toDriver = new();
    readonly INetApplication _application;
    FrameIndexBatch _releases; // frames processed, not yet handed back to the driver (sent each round or when full)

    public NetStack Stack { get; }
    public long FramesIn { get; private set; }
    /// <summary>RxRelease messages sent (each hands back a batch of received frames).</summary>
    public long ReleaseMessages { get; private set; }
    /// <summary>Optional: measures this core's allocations over a window of received frames (set before the stack starts).</summary>
    public AllocationProbe? Probe { get; init; }

    /// <param name="options">The stack's address, MAC and sizes.</param>
    /// <param name="rx">The driver's receive ring, read-only.</param>
    /// <param name="txFrames">Transmit frame buffers owned by this core (the driver reads them).</param>
    /// <param name="driver">This core's end of the binding to the driver core.</param>
    public NetStackDispatcher(NetStackOptions options, RxRingView rx, PacketPool txFrames, UrpcEndpoint driver, INetApplication application) : base("net-stack")
    {
        _driver = driver;
        _rx = rx;
        _txFrames = txFrames;
        _application = application;
        Stack = new NetStack(options, new PooledFrameTransmitter(txFrames, Math.Min(txFrames.BufferSize, options.Mtu + 14), _toDriver, driver.Sender));
    }

    protected internal override void OnStart()
    {
        Waitset.Add(_driver.Receiver, OnMessage);
        _application.OnStart(Stack, Waitset);
    }

    protected internal override bool HasLocalWork =>
        _toDriver.Count > 0 || _releases.Count > 0 || _application.HasWork || Stack.Tcp.NextDelayedAck != long.MaxValue && Stack.Tcp.NextDelayedAck <= RingStackLoop.NowMicroseconds;

    /// <summary>An idle core wakes for the oldest delayed ACK's deadline (the other TCP timers wait for the bounded sleep).</summary>
    protected internal override ulong WakeAt
    {
        get
        {
            long at = Stack.Tcp.NextDelayedAck;
            if (at == long.MaxValue) return ulong.MaxValue;
            long wait = Math.Max(0, at - RingStackLoop.NowMicroseconds);
            return CycleClock.Now() + (ulong)CycleClock.FromNanoseconds(wait * 1000.0);
        }
    }

    protected internal override bool Run()
    {
        Stack.Tick(RingStackLoop.NowMicroseconds);
        bool progress = false;
        for (int k = 0; k < Batch && _driver.Receiver.TryReceive(out UrpcMessage m); k++)
        {
            progress = true;
            OnMessage(in m);
        }
        progress |= _application.Run(Stack);
        Stack.Flush();
        if (_releases.Count > 0) SendReleases();
        if (_toDriver.Count > 0) progress |= _toDriver.Flush(_driver.Sender) > 0;
        Probe?.Observe(FramesIn);
        return progress;
    }

    void OnMessage(in UrpcMessage m)
    {
        switch (m.Type)
        {
            case FrameMessages.Rx.TypeId:
            {
                var frame = FrameMessages.Rx.Decode(in m).Frame;
                FramesIn++;
                Stack.ReceiveFrame(_rx.Frame(frame), frame.Flags);
                _releases.Add(frame.Block);
                if (_releases.IsFull) SendReleases();
                break;
            }
            case FrameMessages.TxDone.TypeId:
            {
                var buffers = FrameMessages.TxDone.Decode(in m).Buffers;
                for (int i = 0; i < buffers.Count; i++) _txFrames.Free(buffers[i]);
                break;
            }
            default:
                throw new InvalidDataException($"net stack: unexpected message type {m.Type} from the driver core");
        }
    }

    void SendReleases()
    {
        _toDriver.Send(_driver.Sender, new FrameMessages.RxRelease(_releases));
        _releases.Clear();
        ReleaseMessages++;
    }

    protected internal override void OnStop() => Stack.Dispose();
}

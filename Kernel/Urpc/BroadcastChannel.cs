using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>
/// A one-writer many-reader URPC line (the paper's broadcast buffer): a ring of cache-line slots written by one core
/// and polled by every reader core, each through its own <see cref="BroadcastReceiver"/> with a private read cursor.
/// This object is the writing end (used only on the writer's core); slot layout and publication are those of
/// <see cref="UrpcRing"/>: 7 payload words, then the header word (sequence number, 1-based, and message type) written
/// last with a release store; a reader loads the header with acquire and only then the payload.
/// <para>Flow control: each reader publishes how many messages it has consumed on a credit line that only it writes
/// (every <see cref="AckInterval"/> messages); the writer may reuse a slot only when every reader has consumed it, so
/// when its cached minimum credit says the ring is full it re-reads all readers' credit lines. No side writes a line
/// another side owns, apart from the slots, which belong to the writer until every reader has consumed them.</para>
/// <para>Memory: the slots and the writer's state in one frame on the writer's node; each reader's cursor and credit
/// line in a frame of its own on the reader's node, each on its own 128-byte block. Allocated by the writer's monitor
/// (<see cref="MultikernelSystem.CreateBroadcastAsync"/>) and freed when the system shuts down.</para>
/// </summary>
public sealed unsafe class BroadcastChannel : IDisposable
{
    readonly UrpcFrame _frame;
    readonly ulong* _slots;
    readonly long* _sent;        // writer-private
    readonly long* _minCredit;   // writer-private: smallest reader credit last seen
    readonly int _mask;
    readonly BroadcastReceiver[] _readers;
    readonly int _slotCount;

    public int Slots => _slotCount;
    public int AckInterval { get; }
    public int ReaderCount => _readers.Length;
    public long Sent => Volatile.Read(ref *_sent);
    /// <summary>The NUMA node of the slots (the writer's; -1: first touch).</summary>
    public int NumaNode => _frame.NumaNode;

    /// <param name="slots">Ring size, a power of two from <see cref="UrpcRing.MinSlots"/> to <see cref="UrpcRing.MaxSlots"/>.</param>
    /// <param name="readers">Number of reader cores (at least 1).</param>
    /// <param name="writerNode">NUMA node of the slots (-1: first touch).</param>
    /// <param name="readerNodes">NUMA node of each reader's state (null: first touch).</param>
    internal BroadcastChannel(int slots, int readers, int writerNode = -1, IReadOnlyList<int>? readerNodes = null)
    {
        UrpcRing.ValidateSlots(slots, nameof(slots));
        if (readers < 1) throw new ArgumentOutOfRangeException(nameof(readers), readers, "a broadcast channel needs at least one reader");
        if (readerNodes != null && readerNodes.Count != readers)
            throw new ArgumentException($"readerNodes names {readerNodes.Count} nodes for {readers} readers", nameof(readerNodes));
        _slotCount = slots;
        _mask = slots - 1;
        AckInterval = Math.Max(1, slots / 4);
        _frame = UrpcFrame.Allocate(SlotFrameBytes(slots), writerNode);
        _slots = (ulong*)_frame.Base;
        _sent = (long*)(_frame.Base + slots * CacheLine.Size);
        _minCredit = _sent + 1;
        _readers = new BroadcastReceiver[readers];
        for (int r = 0; r < readers; r++) _readers[r] = BroadcastReceiver.Allocate(_slots, slots, AckInterval, readerNodes?[r] ?? -1);
    }

    /// <summary>
    /// This process's writing end of a buffer whose memory already exists (process mode: ranges of the shared region):
    /// the slots and writer state in <paramref name="slotFrame"/>, each reader's cursor and credit in its
    /// <paramref name="readerStates"/> frame; <paramref name="readerNotifiers"/> are the reader cores' notifiers as this
    /// process sees them (the writer wakes them; a reader in another process cannot attach its own to this view).
    /// </summary>
    internal BroadcastChannel(UrpcFrame slotFrame, int slots, IReadOnlyList<UrpcFrame> readerStates, IReadOnlyList<Notifier?> readerNotifiers)
    {
        UrpcRing.ValidateSlots(slots, nameof(slots));
        if (readerStates.Count < 1 || readerNotifiers.Count != readerStates.Count)
            throw new ArgumentException($"a broadcast channel needs at least one reader and one notifier per reader; got {readerStates.Count} and {readerNotifiers.Count}", nameof(readerStates));
        _slotCount = slots;
        _mask = slots - 1;
        AckInterval = Math.Max(1, slots / 4);
        _frame = slotFrame;
        _slots = (ulong*)_frame.Base;
        _sent = (long*)(_frame.Base + slots * CacheLine.Size);
        _minCredit = _sent + 1;
        _readers = new BroadcastReceiver[readerStates.Count];
        for (int r = 0; r < _readers.Length; r++)
        {
            _readers[r] = BroadcastReceiver.Over(_slots, slots, AckInterval, readerStates[r]);
            _readers[r].Notifier = readerNotifiers[r];
        }
    }

    /// <summary>Bytes of the frame that holds a buffer's slots and its writer's state.</summary>
    internal static nuint SlotFrameBytes(int slots) => (nuint)(slots * CacheLine.Size + CacheLine.PaddedSize);

    /// <summary>The reading end of reader <paramref name="index"/> (0-based); used only by that reader's core.</summary>
    public BroadcastReceiver Reader(int index) => _readers[index];

    /// <summary>Encodes and publishes a message to every reader if the slowest reader has left room; false when full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TrySend<T>(in T message) where T : struct, IUrpcMessage<T>
    {
        long sent = *_sent;
        if (sent - *_minCredit >= _slotCount && !RefreshCredit(sent)) return false;
        ulong* slot = _slots + ((int)sent & _mask) * 8;
        message.Encode(ref *(UrpcPayload*)slot);
        Publish(slot, sent, message.Type);
        return true;
    }

    /// <summary>Publishes a raw (backlogged) message to every reader if there is room; false when full.</summary>
    public bool TrySend(in UrpcMessage message)
    {
        long sent = *_sent;
        if (sent - *_minCredit >= _slotCount && !RefreshCredit(sent)) return false;
        ulong* slot = _slots + ((int)sent & _mask) * 8;
        message.WritePayloadTo(slot);
        Publish(slot, sent, message.Type);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Publish(ulong* slot, long sent, byte type)
    {
        Volatile.Write(ref slot[UrpcRing.HeaderWord], ((((ulong)sent + 1) & UrpcRing.SeqMask) << 8) | type);
        *_sent = sent + 1;
        var readers = _readers;
        for (int r = 0; r < readers.Length; r++)
        {
            var n = readers[r].Notifier;
            if (n != null && n.IsSleeping) n.Wake();
        }
        AssertInvariants();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    bool RefreshCredit(long sent)
    {
        long min = long.MaxValue;
        foreach (var r in _readers) min = Math.Min(min, r.PublishedCredit);
        *_minCredit = min;
        return sent - min < _slotCount;
    }

    [Conditional("DEBUG")]
    void AssertInvariants()
    {
        long sent = *_sent, min = *_minCredit;
        Debug.Assert(sent - min >= 0 && sent - min <= _slotCount, $"broadcast writer: {sent} sent with cached minimum credit {min} on a ring of {_slotCount} slots");
    }

    /// <summary>Frees the slots and every reader's state. Only after the writer and all readers are done with them.</summary>
    public void Dispose()
    {
        foreach (var r in _readers) r.Free();
        _frame.Dispose();
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>
/// A one-writer many-reader URPC line: a ring of cache-line slots written by one core and polled by every reader core,
/// each with its own read cursor (the paper's broadcast buffer). Slot layout and publication are those of
/// <see cref="UrpcChannel"/>: 7 payload words, then the header word (sequence number, 1-based, and message type)
/// written last with a release store; a reader loads the header with acquire and only then the payload.
/// <para>Flow control: each reader publishes how many messages it has consumed on a credit line that only it writes
/// (every <see cref="AckInterval"/> messages); the writer may reuse a slot only when every reader has consumed it, so
/// when its cached minimum credit says the ring is full it re-reads all readers' credit lines. No side writes a line
/// another side owns, apart from the slots, which belong to the writer until every reader has consumed them.</para>
/// <para>Memory: the slots and the writer's state on the writer's node; each reader's cursor and credit line in a
/// block of its own on the reader's node, each on its own 128-byte block.</para>
/// </summary>
public sealed unsafe class BroadcastChannel : IDisposable
{
    const int HeaderWord = 7;
    const ulong SeqMask = (1UL << 56) - 1;

    readonly byte* _block;
    readonly nuint _blockBytes;
    readonly ulong* _slots;
    readonly long* _sent;        // writer-private
    readonly long* _minCredit;   // writer-private: smallest reader credit last seen
    readonly int _mask;
    readonly Reader[] _readers;
    int _disposed;

    public int Slots { get; }
    public int AckInterval { get; }
    public int ReaderCount => _readers.Length;
    public long Sent => Volatile.Read(ref *_sent);

    /// <param name="slots">Ring size, a power of two from <see cref="UrpcChannel.MinSlots"/> to <see cref="UrpcChannel.MaxSlots"/>.</param>
    /// <param name="readers">Number of reader cores (at least 1).</param>
    /// <param name="writerNode">NUMA node of the slots (-1: first touch).</param>
    /// <param name="readerNodes">NUMA node of each reader's state (null: first touch).</param>
    public BroadcastChannel(int slots, int readers, int writerNode = -1, IReadOnlyList<int>? readerNodes = null)
    {
        if (slots < UrpcChannel.MinSlots || slots > UrpcChannel.MaxSlots || !BitOperations.IsPow2(slots))
            throw new ArgumentOutOfRangeException(nameof(slots), slots,
                $"broadcast ring size {slots} is not allowed: it must be a power of two from {UrpcChannel.MinSlots} to {UrpcChannel.MaxSlots}");
        if (readers < 1) throw new ArgumentOutOfRangeException(nameof(readers), readers, "a broadcast channel needs at least one reader");
        if (readerNodes != null && readerNodes.Count != readers)
            throw new ArgumentException($"readerNodes names {readerNodes.Count} nodes for {readers} readers", nameof(readerNodes));
        Slots = slots;
        _mask = slots - 1;
        AckInterval = Math.Max(1, slots / 4);
        _blockBytes = (nuint)(slots * CacheLine.Size + CacheLine.PaddedSize);
        _block = (byte*)NativeBlock.Alloc(_blockBytes, writerNode);
        _slots = (ulong*)_block;
        _sent = (long*)(_block + slots * CacheLine.Size);
        _minCredit = _sent + 1;
        _readers = new Reader[readers];
        for (int r = 0; r < readers; r++) _readers[r] = new Reader(this, readerNodes?[r] ?? -1);
    }

    /// <summary>The reading end of reader <paramref name="index"/> (0-based); used only by that reader's core.</summary>
    public Reader GetReader(int index) => _readers[index];

    /// <summary>Publishes a message to every reader if the slowest reader has left room; false when full. Writer core only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TrySend(byte type, ulong w0 = 0, ulong w1 = 0, ulong w2 = 0, ulong w3 = 0, ulong w4 = 0, ulong w5 = 0, ulong w6 = 0)
    {
        long sent = *_sent;
        if (sent - *_minCredit >= Slots && !RefreshCredit(sent)) return false;
        ulong* slot = _slots + ((int)sent & _mask) * 8;
        slot[0] = w0; slot[1] = w1; slot[2] = w2; slot[3] = w3; slot[4] = w4; slot[5] = w5; slot[6] = w6;
        Volatile.Write(ref slot[HeaderWord], ((((ulong)sent + 1) & SeqMask) << 8) | type);
        *_sent = sent + 1;
        var readers = _readers;
        for (int r = 0; r < readers.Length; r++)
        {
            var n = readers[r].Notifier;
            if (n != null && n.IsSleeping) n.Wake();
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    bool RefreshCredit(long sent)
    {
        long min = long.MaxValue;
        foreach (var r in _readers) min = Math.Min(min, r.PublishedCredit);
        *_minCredit = min;
        return sent - min < Slots;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var r in _readers) r.Free();
        NativeBlock.Free(_block, _blockBytes);
    }

    /// <summary>One reader's end: its private cursor and its credit line. Used only by the reader's core.</summary>
    public sealed class Reader
    {
        readonly BroadcastChannel _channel;
        readonly byte* _state;
        readonly long* _next;   // reader-private: messages consumed
        readonly long* _credit; // reader-written, writer-read
        Notifier? _notifier;

        internal Reader(BroadcastChannel channel, int node)
        {
            _channel = channel;
            _state = (byte*)NativeBlock.Alloc(2 * CacheLine.PaddedSize, node);
            _next = (long*)_state;
            _credit = (long*)(_state + CacheLine.PaddedSize);
        }

        /// <summary>The reader core's notifier: once set, the writer wakes the reader when it finds it asleep after a send.</summary>
        public Notifier? Notifier { get => Volatile.Read(ref _notifier); set => Volatile.Write(ref _notifier, value); }

        public long Received => Volatile.Read(ref *_next);

        internal long PublishedCredit => Volatile.Read(ref *_credit);

        /// <summary>True when the next slot holds a message this reader has not consumed.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool HasMessage()
        {
            long next = *_next;
            ulong header = Volatile.Read(ref _channel._slots[((int)next & _channel._mask) * 8 + HeaderWord]);
            return header >> 8 == (((ulong)next + 1) & SeqMask);
        }

        /// <summary>Takes the next message if one has arrived.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryReceive(out UrpcMessage message)
        {
            long next = *_next;
            ulong* slot = _channel._slots + ((int)next & _channel._mask) * 8;
            ulong header = Volatile.Read(ref slot[HeaderWord]);
            Unsafe.SkipInit(out message);
            if (header >> 8 != (((ulong)next + 1) & SeqMask)) return false;
            message.Type = (byte)header;
            message.Payload[0] = slot[0]; message.Payload[1] = slot[1]; message.Payload[2] = slot[2];
            message.Payload[3] = slot[3]; message.Payload[4] = slot[4]; message.Payload[5] = slot[5];
            message.Payload[6] = slot[6];
            long consumed = next + 1;
            *_next = consumed;
            if ((consumed & (_channel.AckInterval - 1)) == 0) Volatile.Write(ref *_credit, consumed);
            return true;
        }

        internal void Free() => NativeBlock.Free(_state, 2 * CacheLine.PaddedSize);
    }
}

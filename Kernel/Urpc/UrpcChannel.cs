using System.Numerics;
using System.Runtime.CompilerServices;
using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>
/// A one-way URPC channel: a ring of cache-line slots in shared memory, written by exactly one sender core and
/// polled by exactly one receiver core.
/// <para>Slot layout: payload words 0..6, then the header word (bits 63..8: sequence number, 1-based and counting
/// every message ever sent; bits 7..0: message type). The sender writes the payload with plain stores, then the
/// header with a release store; the receiver reads the header of the next slot with an acquire load and only then
/// the payload, so it never sees a half-written message. A slot whose header does not carry the expected sequence
/// is empty (or stale from the previous lap).</para>
/// <para>Flow control: the receiver publishes how many messages it has consumed on a credit line that only it
/// writes (every <see cref="AckInterval"/> messages); the sender re-reads that line only when its cached credit says
/// the ring is full. Neither side ever writes a line the other side owns, apart from the slots themselves, which
/// belong to the sender until consumed. Because credit is published lazily, the sender may find the ring full
/// while up to AckInterval - 1 consumed slots are not yet acknowledged; it never overwrites an unconsumed slot.
/// Sender state, receiver state and the credit each sit on their own
/// 128-byte block.</para>
/// </summary>
public sealed unsafe class UrpcChannel : IDisposable
{
    public const int MinSlots = 2, MaxSlots = 1 << 16;
    const int HeaderWord = 7;
    const ulong SeqMask = (1UL << 56) - 1;

    /// <summary>
    /// Benchmark-only planted slowdown: cycles to spin in every send, read once from the environment variable
    /// URPC_PLANTED_SEND_DELAY_CYCLES (unset or 0 in every normal run, when the JIT removes the check).
    /// It exists so the regression tracker can prove that it catches a slower send path.
    /// </summary>
    internal static readonly long PlantedSendDelayCycles =
        long.TryParse(Environment.GetEnvironmentVariable("URPC_PLANTED_SEND_DELAY_CYCLES"), out long d) && d > 0 ? d : 0;

    readonly byte* _block;
    readonly nuint _blockBytes;
    readonly ulong* _slots;        // Slots x 8 words
    readonly long* _senderSent;    // sender-private: messages published
    readonly long* _senderCredit;  // sender-private: last credit seen
    readonly long* _receiverNext;  // receiver-private: messages consumed
    readonly long* _credit;        // receiver-written, sender-read: messages consumed, published every AckInterval
    readonly int _mask;
    Notifier? _notifier;
    int _disposed;

    public int Slots { get; }
    /// <summary>The receiver publishes its consumed count after this many messages (a quarter of the ring).</summary>
    public int AckInterval { get; }

    /// <summary>
    /// Creates a channel of <paramref name="slots"/> cache lines. <paramref name="receiverNumaNode"/> places the
    /// memory on the receiver's node where the machine has several (-1: first touch).
    /// </summary>
    public UrpcChannel(int slots = 16, int receiverNumaNode = -1)
    {
        if (slots < MinSlots || slots > MaxSlots || !BitOperations.IsPow2(slots))
            throw new ArgumentOutOfRangeException(nameof(slots), slots,
                $"URPC ring size {slots} is not allowed: it must be a power of two from {MinSlots} to {MaxSlots} (e.g. 16, 64)");
        Slots = slots;
        _mask = slots - 1;
        AckInterval = Math.Max(1, slots / 4);
        _blockBytes = (nuint)(slots * CacheLine.Size + 4 * CacheLine.PaddedSize);
        _block = (byte*)NativeBlock.Alloc(_blockBytes, receiverNumaNode);
        _slots = (ulong*)_block;
        byte* state = _block + slots * CacheLine.Size;
        _senderSent = (long*)state;
        _senderCredit = (long*)(state + 8);
        _receiverNext = (long*)(state + CacheLine.PaddedSize);
        _credit = (long*)(state + 2 * CacheLine.PaddedSize);
    }

    /// <summary>Messages the sender has published (sender-side view).</summary>
    public long Sent => Volatile.Read(ref *_senderSent);
    /// <summary>Messages the receiver has consumed (receiver-side view).</summary>
    public long Received => Volatile.Read(ref *_receiverNext);

    /// <summary>
    /// The receiving core's notifier: once set (by a <see cref="Waitset"/>), every send checks whether the receiver
    /// sleeps and wakes it.
    /// </summary>
    internal Notifier? Notifier { get => _notifier; set => _notifier = value; }

    /// <summary>Publishes a message if the ring has room; false when full. Sender core only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TrySend(byte type, ulong w0 = 0, ulong w1 = 0, ulong w2 = 0, ulong w3 = 0, ulong w4 = 0, ulong w5 = 0, ulong w6 = 0)
    {
        long sent = *_senderSent;
        if (sent - *_senderCredit >= Slots && !RefreshCredit(sent)) return false;
        if (PlantedSendDelayCycles != 0) SpinCycles(PlantedSendDelayCycles);
        ulong* slot = _slots + ((int)sent & _mask) * 8;
        slot[0] = w0; slot[1] = w1; slot[2] = w2; slot[3] = w3; slot[4] = w4; slot[5] = w5; slot[6] = w6;
        Publish(slot, sent, type);
        return true;
    }

    /// <summary>
    /// Publishes a message given as a span of at most 7 words; false when the ring is full. A longer span is a
    /// programming error: large data goes in a shared frame, and the message carries its descriptor.
    /// </summary>
    public bool TrySend(byte type, ReadOnlySpan<ulong> payload)
    {
        if (payload.Length > UrpcMessage.PayloadWords)
            throw new ArgumentException(
                $"a URPC message of {payload.Length} words does not fit one slot: at most {UrpcMessage.PayloadWords} payload words ({UrpcMessage.PayloadWords * 8} bytes); send larger data as a descriptor of a shared frame",
                nameof(payload));
        long sent = *_senderSent;
        if (sent - *_senderCredit >= Slots && !RefreshCredit(sent)) return false;
        if (PlantedSendDelayCycles != 0) SpinCycles(PlantedSendDelayCycles);
        ulong* slot = _slots + ((int)sent & _mask) * 8;
        for (int i = 0; i < UrpcMessage.PayloadWords; i++) slot[i] = i < payload.Length ? payload[i] : 0;
        Publish(slot, sent, type);
        return true;
    }

    /// <summary>Sends, spinning while the ring is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Send(byte type, ulong w0 = 0, ulong w1 = 0, ulong w2 = 0, ulong w3 = 0, ulong w4 = 0, ulong w5 = 0, ulong w6 = 0)
    {
        while (!TrySend(type, w0, w1, w2, w3, w4, w5, w6)) SpinWaitFull();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Publish(ulong* slot, long sent, byte type)
    {
        Volatile.Write(ref slot[HeaderWord], ((((ulong)sent + 1) & SeqMask) << 8) | type);
        *_senderSent = sent + 1;
        var n = _notifier;
        if (n != null && n.IsSleeping) n.Wake();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    bool RefreshCredit(long sent)
    {
        long credit = Volatile.Read(ref *_credit);
        *_senderCredit = credit;
        return sent - credit < Slots;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void SpinWaitFull() => Thread.SpinWait(1);

    static void SpinCycles(long cycles)
    {
        ulong end = CycleClock.Now() + (ulong)cycles;
        while (CycleClock.Now() < end) { }
    }

    /// <summary>True when the next slot holds an unread message. Receiver core only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasMessage()
    {
        long next = *_receiverNext;
        ulong header = Volatile.Read(ref _slots[((int)next & _mask) * 8 + HeaderWord]);
        return header >> 8 == (((ulong)next + 1) & SeqMask);
    }

    /// <summary>Takes the next message if one has arrived. Receiver core only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReceive(out UrpcMessage message)
    {
        long next = *_receiverNext;
        ulong* slot = _slots + ((int)next & _mask) * 8;
        ulong header = Volatile.Read(ref slot[HeaderWord]);
        Unsafe.SkipInit(out message);
        if (header >> 8 != (((ulong)next + 1) & SeqMask)) return false;
        message.Type = (byte)header;
        message.Payload[0] = slot[0]; message.Payload[1] = slot[1]; message.Payload[2] = slot[2];
        message.Payload[3] = slot[3]; message.Payload[4] = slot[4]; message.Payload[5] = slot[5];
        message.Payload[6] = slot[6];
        Consume(next);
        return true;
    }

    /// <summary>Waits (spinning) for the next message. Receiver core only.</summary>
    public UrpcMessage Receive()
    {
        UrpcMessage m;
        while (!TryReceive(out m)) Thread.SpinWait(1);
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Consume(long next)
    {
        long consumed = next + 1;
        *_receiverNext = consumed;
        if ((consumed & (AckInterval - 1)) == 0) Volatile.Write(ref *_credit, consumed);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        NativeBlock.Free(_block, _blockBytes);
    }
}

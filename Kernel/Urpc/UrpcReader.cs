using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Multikernel.Urpc;

/// <summary>
/// What every receiving end does: polls the header of its next slot and takes messages in order from a ring of
/// cache-line slots (the layout of <see cref="UrpcRing"/>), and after every <see cref="AckInterval"/> messages publishes
/// how many it has consumed on a credit line that only it writes. The two kinds are the receiver of a one-way ring
/// (<see cref="UrpcReceiver"/>) and one reader of a broadcast buffer (<see cref="BroadcastReceiver"/>); neither can send.
/// Used only on the receiving core.
/// <para>Invariants (checked in Debug builds by <see cref="AssertInvariants"/>): the published credit is a multiple of
/// AckInterval, never ahead of the messages consumed and at most AckInterval − 1 behind them.</para>
/// </summary>
public abstract unsafe class UrpcReader
{
    readonly ulong* _slots;
    readonly long* _next;    // reader-private: messages consumed
    readonly long* _credit;  // reader-written, sender-read
    readonly int _mask;
    readonly int _ackInterval;

    private protected UrpcReader(ulong* slots, int slotCount, int ackInterval, long* next, long* credit)
    {
        _slots = slots;
        _mask = slotCount - 1;
        _ackInterval = ackInterval;
        _next = next;
        _credit = credit;
    }

    public int Slots => _mask + 1;
    public int AckInterval => _ackInterval;

    /// <summary>Messages consumed so far.</summary>
    public long Received => Volatile.Read(ref *_next);

    /// <summary>The credit this reader has published (read by the sender).</summary>
    internal long PublishedCredit => Volatile.Read(ref *_credit);

    /// <summary>The receiving core's notifier, set by its waitset (null: senders never wake this core).</summary>
    internal abstract Notifier? Notifier { get; set; }

    /// <summary>True when the next slot holds an unread message.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasMessage()
    {
        long next = *_next;
        ulong header = Volatile.Read(ref _slots[((int)next & _mask) * 8 + UrpcRing.HeaderWord]);
        return header >> 8 == (((ulong)next + 1) & UrpcRing.SeqMask);
    }

    /// <summary>Takes the next message if one has arrived.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReceive(out UrpcMessage message)
    {
        long next = *_next;
        ulong* slot = _slots + ((int)next & _mask) * 8;
        ulong header = Volatile.Read(ref slot[UrpcRing.HeaderWord]);
        Unsafe.SkipInit(out message);
        if (header >> 8 != (((ulong)next + 1) & UrpcRing.SeqMask)) return false;
        message.Type = (byte)header;
        message.Payload[0] = slot[0]; message.Payload[1] = slot[1]; message.Payload[2] = slot[2];
        message.Payload[3] = slot[3]; message.Payload[4] = slot[4]; message.Payload[5] = slot[5];
        message.Payload[6] = slot[6];
        Consume(next);
        return true;
    }

    /// <summary>Waits (spinning) for the next message.</summary>
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
        *_next = consumed;
        if ((consumed & (_ackInterval - 1)) == 0) Volatile.Write(ref *_credit, consumed);
        AssertInvariants();
    }

    [Conditional("DEBUG")]
    void AssertInvariants()
    {
        long next = *_next, credit = *_credit;
        Debug.Assert(credit % _ackInterval == 0, $"URPC reader: published credit {credit} is not a multiple of the ack interval {_ackInterval}");
        Debug.Assert(credit <= next && next - credit < _ackInterval, $"URPC reader: credit {credit} with {next} consumed (ack interval {_ackInterval})");
    }
}

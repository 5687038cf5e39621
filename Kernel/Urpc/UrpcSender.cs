using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Multikernel.Urpc;

/// <summary>
/// The sending end of a one-way URPC ring (<see cref="UrpcRing"/>), used only on the sender's core: it publishes
/// messages into the ring's slots and can do nothing else (it has no receive operation).
/// <para>Invariants (checked in Debug builds by <see cref="AssertInvariants"/>): 0 ≤ sent − cached credit ≤ Slots;
/// the cached credit never exceeds the credit the receiver published (credit only grows). The sender's state and the
/// slot pointer are fields of this object, so a send touches this object, the ring memory and, once a waitset has
/// attached the receiving core's notifier, that notifier's futex word (alone on its own padded line, written only when
/// the receiver goes to sleep), nothing else.</para>
/// </summary>
public sealed unsafe class UrpcSender
{
    readonly ulong* _slots;        // Slots x 8 words
    readonly long* _sent;          // sender-private: messages published
    readonly long* _cachedCredit;  // sender-private: last credit seen
    readonly long* _credit;        // receiver-written: messages consumed, published every AckInterval
    readonly int _mask;
    readonly int _slotCount;
    Notifier? _receiverNotifier;
    nint _receiverSleepWord;       // the notifier's futex word (0: no notifier), so a send reads one native word, not the object

    internal UrpcSender(ulong* slots, int slotCount, long* sent, long* cachedCredit, long* credit)
    {
        _slots = slots;
        _slotCount = slotCount;
        _mask = slotCount - 1;
        _sent = sent;
        _cachedCredit = cachedCredit;
        _credit = credit;
    }

    public int Slots => _slotCount;

    /// <summary>Messages published so far.</summary>
    public long Sent => Volatile.Read(ref *_sent);

    /// <summary>
    /// The receiving core's notifier, attached by the receiver's waitset: once set, every send checks whether the
    /// receiver sleeps and wakes it.
    /// </summary>
    internal Notifier? ReceiverNotifier
    {
        get => Volatile.Read(ref _receiverNotifier);
        set
        {
            // Attach: the notifier before its word; detach: the word first. A sender that sees the word sees the notifier.
            if (value != null)
            {
                Volatile.Write(ref _receiverNotifier, value);
                Volatile.Write(ref _receiverSleepWord, (nint)value.Word);
            }
            else
            {
                Volatile.Write(ref _receiverSleepWord, 0);
                Volatile.Write(ref _receiverNotifier, null);
            }
        }
    }

    /// <summary>Encodes <paramref name="message"/> into the next slot and publishes it if the ring has room; false when full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TrySend<T>(in T message) where T : struct, IUrpcMessage<T>
    {
        long sent = *_sent;
        if (sent - *_cachedCredit >= _slotCount && !RefreshCredit(sent)) return false;
        ulong* slot = _slots + ((int)sent & _mask) * 8;
        message.Encode(ref *(UrpcPayload*)slot);
        Publish(slot, sent, message.Type);
        return true;
    }

    /// <summary>Publishes a message in its raw form (a backlogged or forwarded one) if the ring has room; false when full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TrySend(in UrpcMessage message)
    {
        long sent = *_sent;
        if (sent - *_cachedCredit >= _slotCount && !RefreshCredit(sent)) return false;
        ulong* slot = _slots + ((int)sent & _mask) * 8;
        message.WritePayloadTo(slot);
        Publish(slot, sent, message.Type);
        return true;
    }

    /// <summary>Sends, spinning while the ring is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Send<T>(in T message) where T : struct, IUrpcMessage<T>
    {
        while (!TrySend(in message)) SpinWaitFull();
    }

    /// <summary>Sends a raw message, spinning while the ring is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Send(in UrpcMessage message)
    {
        while (!TrySend(in message)) SpinWaitFull();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Publish(ulong* slot, long sent, byte type)
    {
        Volatile.Write(ref slot[UrpcRing.HeaderWord], ((((ulong)sent + 1) & UrpcRing.SeqMask) << 8) | type);
        *_sent = sent + 1;
        int* sleepWord = (int*)_receiverSleepWord;
        if (sleepWord != null && Volatile.Read(ref *sleepWord) == Notifier.Sleeping) WakeReceiver();
        AssertInvariants();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    void WakeReceiver() => Volatile.Read(ref _receiverNotifier)?.Wake();

    [MethodImpl(MethodImplOptions.NoInlining)]
    bool RefreshCredit(long sent)
    {
        long credit = Volatile.Read(ref *_credit);
        *_cachedCredit = credit;
        AssertInvariants();
        return sent - credit < _slotCount;
    }

    /// <summary>One <c>pause</c> between two looks at the credit of a full ring, as the C reference waits
    /// (<c>_mm_pause</c>); <see cref="Thread.SpinWait(int)"/> would wait a normalised ~35 ns, longer than the credit
    /// takes to arrive on a streaming ring.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SpinWaitFull()
    {
        if (X86Base.IsSupported) X86Base.Pause();
        else Thread.SpinWait(1);
    }

    [Conditional("DEBUG")]
    void AssertInvariants()
    {
        long sent = *_sent, cached = *_cachedCredit;
        Debug.Assert(sent - cached >= 0 && sent - cached <= _slotCount, $"URPC sender: {sent} sent with cached credit {cached} on a ring of {_slotCount} slots");
        Debug.Assert(cached <= Volatile.Read(ref *_credit), $"URPC sender: cached credit {cached} is ahead of the credit the receiver published");
    }
}

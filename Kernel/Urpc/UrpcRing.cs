using System.Numerics;
using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>
/// A one-way URPC ring in one <see cref="UrpcFrame"/>: a ring of cache-line slots written by exactly one sender core
/// and polled by exactly one receiver core. Nobody uses the ring itself: its two ends are views over the same memory,
/// the <see cref="UrpcSender"/> (used only on the sender's core) and the <see cref="UrpcReceiver"/> (used only on the
/// receiver's core). A <see cref="UrpcBinding"/> is two rings, one per direction.
/// <para>Frame layout: <c>Slots</c> x 64 B of slots; then four 128-byte blocks: the sender's (messages published,
/// last credit seen), the receiver's (messages consumed), the credit line (written by the receiver every
/// <see cref="AckInterval"/> messages, read by the sender only when its cached credit says the ring is full), and
/// padding. Slot: payload words 0..6, then the header word (bits 63..8: sequence number, 1-based and counting every
/// message ever sent; bits 7..0: message type). The sender writes the payload with plain stores, then the header with
/// a release store; the receiver loads the header of its next slot with acquire and only then the payload, so it never
/// sees a half-written message, and a header without the expected sequence is an empty (or last lap's) slot.</para>
/// <para>Invariant: neither end writes a line the other end owns, apart from the slots, which belong to the sender
/// until consumed. Because credit is published lazily, the sender may find the ring full while up to
/// AckInterval - 1 consumed slots are not yet acknowledged; it never overwrites an unconsumed slot.</para>
/// </summary>
public sealed unsafe class UrpcRing : IDisposable
{
    public const int MinSlots = 2, MaxSlots = 1 << 16;
    internal const int HeaderWord = 7;
    internal const ulong SeqMask = (1UL << 56) - 1;
    const int StateBlocks = 4;

    readonly UrpcFrame _frame;

    public int Slots { get; }
    /// <summary>The receiver publishes its consumed count after this many messages (a quarter of the ring).</summary>
    public int AckInterval { get; }
    public UrpcSender Sender { get; }
    public UrpcReceiver Receiver { get; }
    /// <summary>The NUMA node the ring's memory is on (its receiver's where the machine has several; -1: first touch).</summary>
    public int NumaNode => _frame.NumaNode;
    /// <summary>True once the ring's memory has been freed.</summary>
    public bool IsFreed => _frame.IsFreed;
    /// <summary>Where the ring's pages are now, against the node they were asked for.</summary>
    public RingPlacement Placement() => _frame.Placement();

    /// <summary>The first byte of the ring's frame (the layout above), for the native loops that run on the same ring in the URPC diagnostics.</summary>
    internal byte* FrameBase => _frame.Base;

    internal UrpcRing(UrpcFrame frame, int slots)
    {
        ValidateSlots(slots, nameof(slots));
        if (frame.Bytes < BytesFor(slots))
            throw new ArgumentException($"a frame of {frame.Bytes} B is too small for a ring of {slots} slots ({BytesFor(slots)} B)", nameof(frame));
        _frame = frame;
        Slots = slots;
        AckInterval = Math.Max(1, slots / 4);
        byte* state = frame.Base + slots * CacheLine.Size;
        var slotWords = (ulong*)frame.Base;
        var credit = (long*)(state + 2 * CacheLine.PaddedSize);
        Sender = new UrpcSender(slotWords, slots, (long*)state, (long*)(state + 8), credit);
        Receiver = new UrpcReceiver(Sender, slotWords, slots, AckInterval, (long*)(state + CacheLine.PaddedSize), credit);
    }

    /// <summary>Frame bytes a ring of <paramref name="slots"/> slots needs.</summary>
    public static nuint BytesFor(int slots) => (nuint)(slots * CacheLine.Size + StateBlocks * CacheLine.PaddedSize);

    /// <summary>
    /// Allocates a ring whose memory is on <paramref name="receiverNumaNode"/> (-1: first touch). Kernel-internal:
    /// bindings come from the monitors (<see cref="MultikernelSystem.BindAsync"/>); the channel's own tests, the
    /// URPC microbenchmarks and the bare-ring reference of Fig 1's URPC tables, which measure the bare ring between two
    /// pinned threads, use this hook directly.
    /// </summary>
    internal static UrpcRing Allocate(int slots, int receiverNumaNode = -1)
    {
        ValidateSlots(slots, nameof(slots));
        var frame = UrpcFrame.Allocate(BytesFor(slots), receiverNumaNode);
        try { return new UrpcRing(frame, slots); }
        catch { frame.Dispose(); throw; }
    }

    /// <summary>
    /// This process's view of a ring whose memory already exists (process mode: a range of the shared region that
    /// another process may have allocated). <paramref name="receiverNotifier"/> is the receiving core's notifier as
    /// this process sees it: the sender wakes it, since the receiver's own waitset cannot reach a sender in another
    /// process.
    /// </summary>
    internal static UrpcRing Over(UrpcFrame frame, int slots, Notifier? receiverNotifier)
    {
        var ring = new UrpcRing(frame, slots);
        ring.Sender.ReceiverNotifier = receiverNotifier;
        return ring;
    }

    /// <summary>True for a ring size the channel accepts: a power of two from <see cref="MinSlots"/> to <see cref="MaxSlots"/>.</summary>
    public static bool IsValidSize(int slots) => slots >= MinSlots && slots <= MaxSlots && BitOperations.IsPow2(slots);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the allowed sizes unless <paramref name="slots"/> is one.</summary>
    public static void ValidateSlots(int slots, string paramName)
    {
        if (!IsValidSize(slots))
            throw new ArgumentOutOfRangeException(paramName, slots,
                $"URPC ring size {slots} is not allowed: it must be a power of two from {MinSlots} to {MaxSlots} (e.g. 16, 64)");
    }

    /// <summary>Frees the ring's memory. Only after both ends are done with it (their cores stopped or left).</summary>
    public void Dispose() => _frame.Dispose();
}

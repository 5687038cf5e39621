using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>
/// One reader's end of a <see cref="BroadcastChannel"/>: it takes the buffer's messages in order through its private
/// cursor (<see cref="UrpcReader"/>), whose state sits in a frame of its own on the reader's node. Used only by the
/// reader's core; it can only receive.
/// </summary>
public sealed unsafe class BroadcastReceiver : UrpcReader
{
    readonly UrpcFrame _state;
    Notifier? _notifier;

    BroadcastReceiver(ulong* slots, int slotCount, int ackInterval, UrpcFrame state)
        : base(slots, slotCount, ackInterval, (long*)state.Base, (long*)(state.Base + CacheLine.PaddedSize)) => _state = state;

    /// <summary>Bytes of a reader's state: its cursor and its credit line, each in a 128-byte block.</summary>
    internal const int StateBytes = 2 * CacheLine.PaddedSize;

    internal static BroadcastReceiver Allocate(ulong* slots, int slotCount, int ackInterval, int numaNode) =>
        new(slots, slotCount, ackInterval, UrpcFrame.Allocate(StateBytes, numaNode));

    /// <summary>A view of a reader whose state already exists (process mode: a range of the shared region).</summary>
    internal static BroadcastReceiver Over(ulong* slots, int slotCount, int ackInterval, UrpcFrame state) =>
        new(slots, slotCount, ackInterval, state);

    /// <summary>Read by the writer after every publish: it wakes this reader's core when it finds it asleep.</summary>
    internal override Notifier? Notifier { get => Volatile.Read(ref _notifier); set => Volatile.Write(ref _notifier, value); }

    /// <summary>The NUMA node of this reader's cursor and credit line (the reader's; -1: first touch).</summary>
    public int NumaNode => _state.NumaNode;

    internal void Free() => _state.Dispose();
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Multikernel.Net.Cores;

/// <summary>
/// Up to <see cref="Capacity"/> non-negative indices (receive ring slots or blocks, transmit pool buffers) that travel
/// in one URPC message: word 0 holds the count, words 1 to 6 two 32-bit indices each. Batching the "done with these"
/// answers between the driver and the stack core turns one message per frame into one per batch.
/// A value type held in a field of its one owner core; <see cref="Add"/> past the capacity is refused.
/// </summary>
public struct FrameIndexBatch : IEquatable<FrameIndexBatch>
{
    public const int Capacity = 2 * (UrpcMessage.PayloadWords - 1);

    Indices _items;

    public int Count { get; private set; }
    public readonly bool IsFull => Count == Capacity;
    public readonly int this[int i] { get { Debug.Assert((uint)i < (uint)Count); return _items[i]; } }

    /// <summary>Adds an index; false (nothing added) when the batch is full.</summary>
    public bool Add(int index)
    {
        Debug.Assert(index >= 0);
        if (Count == Capacity) return false;
        _items[Count++] = index;
        return true;
    }

    public void Clear() => Count = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Encode(ref UrpcPayload w)
    {
        w[0] = (ulong)Count;
        for (int i = 0; i < Count; i += 2)
            w[1 + i / 2] = (uint)_items[i] | (i + 1 < Count ? (ulong)(uint)_items[i + 1] << 32 : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FrameIndexBatch Decode(in UrpcMessage m)
    {
        var b = new FrameIndexBatch();
        int n = (int)Math.Min(m[0], (ulong)Capacity);
        for (int i = 0; i < n; i++) b._items[i] = (int)(uint)(m[1 + i / 2] >> (32 * (i & 1)));
        b.Count = n;
        return b;
    }

    public readonly bool Equals(FrameIndexBatch other)
    {
        if (Count != other.Count) return false;
        for (int i = 0; i < Count; i++) if (_items[i] != other._items[i]) return false;
        return true;
    }

    public override readonly bool Equals(object? obj) => obj is FrameIndexBatch b && Equals(b);
    public override readonly int GetHashCode()
    {
        var h = new HashCode();
        for (int i = 0; i < Count; i++) h.Add(_items[i]);
        return h.ToHashCode();
    }

    [InlineArray(Capacity)]
    struct Indices { int _first; }
}

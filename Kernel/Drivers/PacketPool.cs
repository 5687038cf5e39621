using Multikernel.Hardware;

namespace Multikernel.Drivers;

/// <summary>
/// A pool of fixed-size packet buffers in one unmanaged block (the modelled shared frame that a NIC driver and a
/// network stack both map). Buffers are named by index; a URPC message carries that index as the descriptor.
/// <para>Ownership invariant: exactly one dispatcher (the pool's owner) allocates and frees. A buffer it has sent
/// away by descriptor belongs to the receiver until the descriptor comes back, and the owner frees it only then.
/// The free list is therefore owner-local and needs no atomics; <see cref="Free"/> refuses a double free.</para>
/// </summary>
public sealed unsafe class PacketPool : IDisposable
{
    readonly byte* _base;
    readonly nuint _bytes;
    readonly int[] _free;
    readonly bool[] _inUse;
    int _freeCount;
    int _disposed;

    public int Count { get; }
    public int BufferSize { get; }
    /// <summary>Buffers the owner can allocate now.</summary>
    public int Available => _freeCount;

    /// <param name="bufferSize">Bytes per buffer, rounded up to a whole number of cache lines.</param>
    public PacketPool(int count, int bufferSize, int numaNode = -1)
    {
        if (count < 1 || count > 1 << 20) throw new ArgumentOutOfRangeException(nameof(count), count, "a pool holds 1 to 1048576 buffers");
        if (bufferSize < 1 || bufferSize > 1 << 20) throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, "a buffer holds 1 B to 1 MiB");
        Count = count;
        BufferSize = (bufferSize + CacheLine.Size - 1) / CacheLine.Size * CacheLine.Size;
        _bytes = (nuint)Count * (nuint)BufferSize;
        _base = (byte*)NativeBlock.Alloc(_bytes, numaNode);
        _free = new int[count];
        _inUse = new bool[count];
        for (int i = 0; i < count; i++) _free[i] = count - 1 - i;
        _freeCount = count;
    }

    /// <summary>The bytes of buffer <paramref name="index"/> (valid until the pool is disposed).</summary>
    public Span<byte> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"buffer index must be 0..{Count - 1}");
            return new Span<byte>(_base + (nint)index * BufferSize, BufferSize);
        }
    }

    /// <summary>Address of buffer <paramref name="index"/>, for system calls.</summary>
    public byte* Address(int index) =>
        (uint)index < (uint)Count ? _base + (nint)index * BufferSize
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"buffer index must be 0..{Count - 1}");

    /// <summary>Owner only: takes a free buffer; false when every buffer is out.</summary>
    public bool TryAllocate(out int index)
    {
        if (_freeCount == 0) { index = -1; return false; }
        index = _free[--_freeCount];
        _inUse[index] = true;
        return true;
    }

    /// <summary>Owner only: returns a buffer. Throws on a buffer that is not allocated (a double free or a forged descriptor).</summary>
    public void Free(int index)
    {
        if ((uint)index >= (uint)Count || !_inUse[index])
            throw new InvalidOperationException($"packet buffer {index} is not allocated: a descriptor came back twice or was never sent");
        _inUse[index] = false;
        _free[_freeCount++] = index;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        NativeBlock.Free(_base, _bytes);
    }
}

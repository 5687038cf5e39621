namespace Multikernel.Memory;

/// <summary>
/// Hands out the 4 KiB frames of one range of <see cref="PhysicalMemory"/>. It stands in for a RAM capability that
/// its owner retypes into Frame and page-table (VNode) capabilities, for the code that does not hold capabilities yet
/// (<see cref="VSpace"/>, the experiments); <see cref="RamFrameAllocator"/> is the capability-based allocator
/// (allocation is a retype of a RAM cap, release a delete), with the same accounting.
/// <para>Invariants: every frame of the range is either free (on the free stack, bit clear) or allocated (bit set),
/// never both, so the free count plus the allocated count is always <see cref="Capacity"/>; releasing a frame that is
/// not allocated, or not in the range, throws. One owner: the allocator is used by one thread at a time (the core
/// that owns this RAM), like every other per-core piece of state.</para>
/// </summary>
public sealed class FrameAllocator
{
    readonly int[] _free;      // stack of free frame numbers (relative to _first)
    readonly ulong[] _allocated; // bitmap over the range
    readonly int _first;
    int _freeCount;

    public PhysicalMemory Memory { get; }
    public int Capacity { get; }
    public int FreeFrames => _freeCount;
    public int AllocatedFrames => Capacity - _freeCount;

    /// <param name="firstFrame">First frame number of the range.</param>
    /// <param name="count">Frames in the range; -1: to the end of physical memory.</param>
    public FrameAllocator(PhysicalMemory memory, int firstFrame = 0, int count = -1)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if (count < 0) count = memory.Frames - firstFrame;
        if (firstFrame < 0 || count < 1 || (long)firstFrame + count > memory.Frames)
            throw new ArgumentOutOfRangeException(nameof(count),
                $"frame range [{firstFrame}, {firstFrame + count}) is not a non-empty range inside physical memory's {memory.Frames} frames");
        Memory = memory;
        _first = firstFrame;
        Capacity = count;
        _free = new int[count];
        for (int i = 0; i < count; i++) _free[i] = count - 1 - i; // lowest frame on top: allocation starts at the range's start
        _freeCount = count;
        _allocated = new ulong[(count + 63) / 64];
    }

    /// <summary>Takes a free frame; false when the range is exhausted.</summary>
    public bool TryAlloc(out ulong pa)
    {
        if (_freeCount == 0) { pa = 0; return false; }
        int f = _free[--_freeCount];
        _allocated[f >> 6] |= 1UL << (f & 63);
        pa = (ulong)(_first + f) << PhysicalMemory.FrameShift;
        return true;
    }

    /// <summary>Takes a free frame; throws naming the range's size when none is left.</summary>
    public ulong Alloc() => TryAlloc(out ulong pa) ? pa
        : throw new InsufficientMemoryException($"no free frame left: all {Capacity} frames ({Capacity * (long)PhysicalMemory.FrameSize / 1024} KiB) of this allocator are in use");

    public bool IsAllocated(ulong pa) => TryIndex(pa, out int f) && (_allocated[f >> 6] & (1UL << (f & 63))) != 0;

    /// <summary>Returns an allocated frame to the free stack.</summary>
    public void Release(ulong pa)
    {
        if (!TryIndex(pa, out int f))
            throw new ArgumentOutOfRangeException(nameof(pa), $"0x{pa:x} is not the start of a frame in this allocator's range");
        ulong bit = 1UL << (f & 63);
        if ((_allocated[f >> 6] & bit) == 0) throw new InvalidOperationException($"frame 0x{pa:x} is already free (double release)");
        _allocated[f >> 6] &= ~bit;
        _free[_freeCount++] = f;
    }

    bool TryIndex(ulong pa, out int f)
    {
        f = -1;
        if ((pa & (PhysicalMemory.FrameSize - 1)) != 0) return false;
        long frame = (long)(pa >> PhysicalMemory.FrameShift) - _first;
        if (frame < 0 || frame >= Capacity) return false;
        f = (int)frame;
        return true;
    }
}

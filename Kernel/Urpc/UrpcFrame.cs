using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>
/// The memory one URPC ring or broadcast buffer lives in: a zeroed block aligned to a cache-line pair, placed on one
/// NUMA node (best effort). Two kinds: in thread mode a block of host memory of its own (whole pages,
/// <see cref="NativeBlock"/>), freed by <see cref="Dispose"/>; in process mode a range of the shared region every
/// core process maps (<see cref="CoreProcesses.SharedRegion"/>), named across processes by its
/// <see cref="RegionOffset"/> and released with the whole region when the system shuts down.
/// <para>Seam for the capability system: today a monitor allocates the frame when it serves a bind (<see cref="Allocate"/>
/// and the region's allocation are called from nowhere else but the kernel's binding code and the channel tests); the
/// capability work makes it a Frame capability retyped from a RAM capability and hands that to the two ends, so that
/// only this type and the monitor's bind handler change.</para>
/// <para>Invariant: freed exactly once (a second <see cref="Dispose"/> does nothing); nothing reads <see cref="Base"/>
/// after that. A region frame's Dispose only marks it freed: its memory belongs to the region.</para>
/// </summary>
public sealed unsafe class UrpcFrame : IDisposable
{
    int _freed;

    /// <summary>First byte of the frame (in this process's address space).</summary>
    internal byte* Base { get; }
    /// <summary>Size in bytes as asked for (a host block is rounded up to whole pages).</summary>
    public nuint Bytes { get; }
    /// <summary>The NUMA node the frame was placed on (-1: wherever first touch put it).</summary>
    public int NumaNode { get; }
    /// <summary>Offset of the frame in the shared region (process mode); -1 for a block of host memory (thread mode).</summary>
    public long RegionOffset { get; }
    /// <summary>True once the frame has been freed.</summary>
    public bool IsFreed => Volatile.Read(ref _freed) != 0;

    UrpcFrame(byte* block, nuint bytes, int numaNode, long regionOffset)
    {
        Base = block;
        Bytes = bytes;
        NumaNode = numaNode;
        RegionOffset = regionOffset;
    }

    /// <summary>Allocates a zeroed frame of host memory of <paramref name="bytes"/> on <paramref name="numaNode"/> (-1: first touch).</summary>
    internal static UrpcFrame Allocate(nuint bytes, int numaNode) =>
        new((byte*)NativeBlock.Alloc(bytes, numaNode), bytes, numaNode, -1);

    /// <summary>A view of the range at <paramref name="regionOffset"/> of the shared region, mapped here at <paramref name="at"/>.</summary>
    internal static UrpcFrame InRegion(byte* at, nuint bytes, long regionOffset, int numaNode) =>
        new(at, bytes, numaNode, regionOffset);

    /// <summary>Where the frame's pages are now (a move_pages query; nothing moves).</summary>
    public RingPlacement Placement()
    {
        ObjectDisposedException.ThrowIf(IsFreed, this);
        return new RingPlacement(NumaNode, NativeBlock.NodesOfPages(Base, Bytes));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _freed, 1) != 0) return;
        if (RegionOffset < 0) NativeBlock.Free(Base, Bytes);
    }
}

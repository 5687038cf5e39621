using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>
/// The memory one URPC ring or broadcast buffer lives in: an unmanaged, zeroed block aligned to a page, placed on
/// one NUMA node (best effort, see <see cref="NativeBlock"/>).
/// <para>Seam for the capability system: today a monitor allocates the frame from the host process when it
/// serves a bind (<see cref="Allocate"/> is called from nowhere else but the kernel's binding code and the
/// channel tests); the capability work makes it a Frame capability retyped from a RAM capability and hands that to
/// the two ends, so that only this type and the monitor's bind handler change.</para>
/// <para>Invariant: freed exactly once (a second <see cref="Dispose"/> does nothing); nothing reads
/// <see cref="Base"/> after that.</para>
/// </summary>
public sealed unsafe class UrpcFrame : IDisposable
{
    int _freed;

    /// <summary>First byte of the frame.</summary>
    internal byte* Base { get; }
    /// <summary>Size in bytes as asked for (the block is rounded up to whole pages).</summary>
    public nuint Bytes { get; }
    /// <summary>The NUMA node the frame was placed on (-1: wherever first touch put it).</summary>
    public int NumaNode { get; }
    /// <summary>True once the frame has been freed.</summary>
    public bool IsFreed => Volatile.Read(ref _freed) != 0;

    UrpcFrame(byte* block, nuint bytes, int numaNode)
    {
        Base = block;
        Bytes = bytes;
        NumaNode = numaNode;
    }

    /// <summary>Allocates a zeroed frame of <paramref name="bytes"/> on <paramref name="numaNode"/> (-1: first touch).</summary>
    internal static UrpcFrame Allocate(nuint bytes, int numaNode) =>
        new((byte*)NativeBlock.Alloc(bytes, numaNode), bytes, numaNode);

    /// <summary>Where the frame's pages are now (a move_pages query; nothing moves).</summary>
    public RingPlacement Placement()
    {
        ObjectDisposedException.ThrowIf(IsFreed, this);
        return new RingPlacement(NumaNode, NativeBlock.NodesOfPages(Base, Bytes));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _freed, 1) != 0) return;
        NativeBlock.Free(Base, Bytes);
    }
}

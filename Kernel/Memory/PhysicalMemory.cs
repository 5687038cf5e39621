using Multikernel.Hardware;

namespace Multikernel.Memory;

/// <summary>
/// The machine's simulated physical memory: one zeroed region allocated once, divided into 4 KiB frames. A physical
/// address is a byte offset into the region, so address 0 is the first frame. Every frame, page table and other
/// memory object a capability names lives here; RAM capabilities divide it among the cores (boot) and the memory
/// server, and user code retypes them into frames and tables (<see cref="RamFrameAllocator"/>).
/// <para>Invariant: the region never moves and is freed only by <see cref="Dispose"/>, which the owner calls after
/// every core that could read it (a page walk on a TLB miss) has stopped.</para>
/// </summary>
public sealed unsafe class PhysicalMemory : IDisposable
{
    public const int FrameSize = 4096;
    public const int FrameShift = 12;
    /// <summary>Largest region accepted: 2^40 bytes, far above what a test or experiment needs and inside the 52-bit physical address a page-table entry holds.</summary>
    public const long MaxBytes = 1L << 40;

    readonly byte* _base;
    int _disposed;

    public long Bytes { get; }
    public int Frames { get; }

    /// <param name="bytes">Size of the region, a positive multiple of <see cref="FrameSize"/>.</param>
    /// <param name="numaNode">Node to place the region on where the machine has several (-1: first touch).</param>
    public PhysicalMemory(long bytes, int numaNode = -1)
    {
        if (bytes <= 0 || bytes % FrameSize != 0 || bytes > MaxBytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes,
                $"physical memory must be a positive multiple of {FrameSize} bytes (one frame) and at most {MaxBytes} bytes");
        Bytes = bytes;
        Frames = (int)Math.Min(int.MaxValue, bytes / FrameSize);
        _base = (byte*)NativeBlock.Alloc((nuint)bytes, numaNode);
    }

    /// <summary>True when [<paramref name="pa"/>, pa + length) lies inside the region.</summary>
    public bool Contains(ulong pa, ulong length = 1) => length <= (ulong)Bytes && pa <= (ulong)Bytes - length;

    /// <summary>The frame containing <paramref name="pa"/> as 512 words (a page-table page is one of these).</summary>
    public ulong* FrameWords(ulong pa)
    {
        if (!Contains(pa)) throw new ArgumentOutOfRangeException(nameof(pa), $"physical address 0x{pa:x} is outside physical memory (0x0 to 0x{Bytes - 1:x})");
        return (ulong*)(_base + (pa & ~(ulong)(FrameSize - 1)));
    }

    /// <summary>The bytes of the frame containing <paramref name="pa"/>.</summary>
    public Span<byte> Frame(ulong pa) => new(FrameWords(pa), FrameSize);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        NativeBlock.Free(_base, (nuint)Bytes);
    }
}

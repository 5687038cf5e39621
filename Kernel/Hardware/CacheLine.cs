using System.Runtime.InteropServices;

namespace Multikernel.Hardware;

/// <summary>Cache-line geometry the kernel designs its shared data around.</summary>
public static class CacheLine
{
    /// <summary>Size of one coherence unit on x86-64 (and of one URPC slot).</summary>
    public const int Size = 64;
    /// <summary>
    /// Padding unit for per-core mutable state: two lines, because the adjacent-line prefetcher pulls pairs,
    /// so state padded to 64 bytes alone can still false-share.
    /// </summary>
    public const int PaddedSize = 128;
}

/// <summary>
/// A 64-bit counter alone in a 128-byte block (Disruptor-style padded sequence). Place one per owner so that
/// a write by its owner never invalidates a line another core reads for something else.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = CacheLine.PaddedSize)]
public struct PaddedLong
{
    [FieldOffset(0)] public long Value;
}

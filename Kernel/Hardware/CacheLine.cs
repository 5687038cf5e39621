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

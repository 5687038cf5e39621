namespace Multikernel.ParallelLoops;

/// <summary>The block partition of the static schedule.</summary>
public static class BlockPartition
{
    /// <summary>
    /// Block <paramref name="index"/> (0..<paramref name="parts"/>-1) of [from, to) cut into <paramref name="parts"/>
    /// (at least one) blocks whose sizes differ by at most one, larger ones first. Throws
    /// <see cref="ArgumentOutOfRangeException"/> for fewer than one part or an index outside the parts.
    /// </summary>
    public static (int Lo, int Hi) Block(int from, int to, int parts, int index)
    {
        if (parts < 1) throw new ArgumentOutOfRangeException(nameof(parts), parts, "a range is cut into at least one block");
        if ((uint)index >= (uint)parts) throw new ArgumentOutOfRangeException(nameof(index), index, $"block index must be 0..{parts - 1}");
        long n = Math.Max(0, (long)to - from);
        long q = n / parts, r = n % parts;
        long lo = from + index * q + Math.Min(index, r);
        long hi = lo + q + (index < r ? 1 : 0);
        return ((int)lo, (int)hi);
    }
}

namespace Multikernel.ParallelLoops;

/// <summary>The block partition of the static schedule.</summary>
public static class BlockPartition
{
    /// <summary>Block <paramref name="index"/> of [from, to) cut into <paramref name="parts"/> blocks whose sizes differ by at most one, larger ones first.</summary>
    public static (int Lo, int Hi) Block(int from, int to, int parts, int index)
    {
        long n = Math.Max(0, (long)to - from);
        long q = n / parts, r = n % parts;
        long lo = from + index * q + Math.Min(index, r);
        long hi = lo + q + (index < r ? 1 : 0);
        return ((int)lo, (int)hi);
    }
}

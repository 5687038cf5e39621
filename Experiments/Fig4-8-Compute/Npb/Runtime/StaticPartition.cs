namespace Npb.Runtime;

/// <summary>
/// The block partition behind <see cref="Schedule.Static"/>: [from, to) split into <c>parts</c> contiguous blocks
/// whose sizes differ by at most one, the larger ones first. Blocks are disjoint, ordered and cover the range.
/// </summary>
public static class StaticPartition
{
    public static (int Lo, int Hi) Block(int from, int to, int parts, int index)
    {
        long n = Math.Max(0, (long)to - from);
        long q = n / parts, r = n % parts;
        long lo = from + index * q + Math.Min(index, r);
        long hi = lo + q + (index < r ? 1 : 0);
        return ((int)lo, (int)hi);
    }
}

using FsCheck.Xunit;

namespace Multikernel.Tests;

public class BlockPartitionTests
{
    [Fact]
    public void BlocksCoverTheRangeLargerOnesFirst()
    {
        Assert.Equal((0, 3), BlockPartition.Block(0, 10, 4, 0));
        Assert.Equal((3, 6), BlockPartition.Block(0, 10, 4, 1));
        Assert.Equal((6, 8), BlockPartition.Block(0, 10, 4, 2));
        Assert.Equal((8, 10), BlockPartition.Block(0, 10, 4, 3));
        Assert.Equal((5, 5), BlockPartition.Block(5, 5, 3, 2));
    }

    /// <summary>
    /// Property: for any range (empty, reversed, at the ends of int, shorter than the part count or not divisible by
    /// it) and any part count, the blocks are contiguous, cover [from, to) exactly (nothing when to &lt;= from), and
    /// their sizes differ by at most one, larger ones first.
    /// </summary>
    [Property(MaxTest = 300)]
    public void BlocksTileTheRangeForAnyLengthAndPartCount(int from, int length, int partsSeed, bool nearTheEnd)
    {
        int parts = 1 + (int)((uint)partsSeed % 70);
        long n = (long)(uint)length % 1000 - 5;                 // -5..994: reversed, empty, fewer than parts, many
        if (nearTheEnd) from = int.MaxValue - (int)Math.Max(0, n);
        long to = Math.Clamp((long)from + n, int.MinValue, int.MaxValue);
        long expectedEnd = Math.Max(from, to);
        long at = from;
        int first = 0, previous = 0;
        for (int w = 0; w < parts; w++)
        {
            var (lo, hi) = BlockPartition.Block(from, (int)to, parts, w);
            int size = hi - lo;
            if (w == 0) first = previous = size;
            Assert.Equal(at, lo);
            Assert.True(size >= 0 && size <= previous && first - size <= 1, $"block {w} is [{lo}, {hi}) after blocks of {first} .. {previous}");
            previous = size;
            at = hi;
        }
        Assert.Equal(expectedEnd, at);
    }

    /// <summary>A block index outside 0..parts-1, or fewer than one part, is refused instead of giving a block outside [from, to) or dividing by zero.</summary>
    [Theory]
    [InlineData(4, 4)]
    [InlineData(4, -1)]
    [InlineData(4, int.MaxValue)]
    public void ABlockIndexOutsideThePartsIsRefused(int parts, int index)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BlockPartition.Block(0, 10, parts, index));
        Assert.Equal("index", e.ParamName);
        Assert.Contains($"0..{parts - 1}", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void FewerThanOnePartIsRefused(int parts)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BlockPartition.Block(0, 10, parts, 0));
        Assert.Equal("parts", e.ParamName);
    }
}

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

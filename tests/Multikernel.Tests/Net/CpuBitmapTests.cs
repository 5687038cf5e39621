namespace Multikernel.Tests.Net;

public class CpuBitmapTests
{
    [Theory]
    [InlineData(new[] { 0 }, "1")]
    [InlineData(new[] { 0, 1 }, "3")]
    [InlineData(new[] { 4 }, "10")]
    [InlineData(new[] { 15, 1 }, "8002")]
    [InlineData(new[] { 31 }, "80000000")]
    [InlineData(new[] { 0, 32 }, "1,00000001")]
    [InlineData(new[] { 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47 }, "ffff,00000000")]
    [InlineData(new[] { 64 }, "1,00000000,00000000")]
    public void FormatsAsTheKernelWritesACpuMask(int[] cpus, string expected) => Assert.Equal(expected, CpuBitmap.Format(cpus));

    [Theory]
    [InlineData("3", new[] { 0, 1 })]
    [InlineData("0003", new[] { 0, 1 })]              // the kernel pads to its CPU count
    [InlineData("00000000,00000003", new[] { 0, 1 })]
    [InlineData("ffff,00000001\n", new[] { 0, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47 })]
    [InlineData("0", new int[0])]
    public void ParsesAnyPadding(string text, int[] expected) => Assert.Equal(expected, CpuBitmap.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("xyz")]
    [InlineData("123456789")]   // a group holds 32 CPUs: at most 8 digits
    [InlineData("1,,2")]
    [InlineData("-1")]
    public void RefusesTextThatIsNotABitmap(string text) => Assert.Throws<FormatException>(() => CpuBitmap.Parse(text));

    [Fact]
    public void RefusesAnEmptySetAndCpusOutOfRange()
    {
        Assert.Throws<ArgumentException>(() => CpuBitmap.Format([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuBitmap.Format([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuBitmap.Format([4096]));
    }

    /// <summary>Property: any set of CPUs (duplicates allowed) comes back from its bitmap as the sorted set.</summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property FormatThenParseGivesTheSortedSet() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, 300)).Where(a => a.Length > 0).ToArbitrary(),
            cpus => CpuBitmap.Parse(CpuBitmap.Format(cpus)).SequenceEqual(cpus.Distinct().Order()));
}

using FsCheck.Xunit;

namespace Experiments.Tests;

/// <summary>The results schema library: its one median routine, and that it stands without the kernel.</summary>
public class SchemaTests
{
    /// <summary>Property: the median is the middle of the sorted sample (mean of the two middle values for an even
    /// size), whatever the order the values come in, for every entry point (Of, MedianOf, MedianOfSorted).</summary>
    [Property(MaxTest = 200)]
    public void EveryMedianEntryPointAgreesWithTheDefinition(int[] raw)
    {
        if (raw.Length == 0)
        {
            Assert.True(double.IsNaN(SampleSummary.MedianOf(Array.Empty<double>())));
            Assert.Throws<ArgumentException>(() => SampleSummary.Of(ReadOnlySpan<double>.Empty));
            return;
        }
        var values = raw.Select(v => (double)v).ToArray();
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        double expected = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        Assert.Equal(expected, SampleSummary.MedianOf(values));
        Assert.Equal(expected, SampleSummary.MedianOfSorted<double>(sorted));
        var s = SampleSummary.Of(values);
        Assert.Equal(expected, s.Median);
        Assert.True(s.CiLow <= s.Median && s.Median <= s.CiHigh, $"CI [{s.CiLow}, {s.CiHigh}] must hold the median {s.Median}");
        Assert.Equal(n, s.Count);
        var unsigned = raw.Select(v => (ulong)(uint)v).Order().ToArray();
        double expectedUnsigned = n % 2 == 1 ? unsigned[n / 2] : (unsigned[n / 2 - 1] + (double)unsigned[n / 2]) / 2;
        Assert.Equal(expectedUnsigned, SampleSummary.MedianOfSorted<ulong>(unsigned));
    }

    [Fact]
    public void SchemaLibraryDoesNotReferenceTheKernel()
    {
        var refs = typeof(ResultRow).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("Multikernel", refs);
        Assert.DoesNotContain("Experiments.Common", refs);
    }
}

using Benchmarks.Threads;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

/// <summary>The mutex-contention measurement runs both locks at every thread count and rejects bad input (its numbers are not checked here: timings belong in the report).</summary>
public class MutexContentionTests
{
    [Fact]
    public void MeasuresBothLocksAtEveryThreadCount()
    {
        var allowed = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(allowed.Count < 2, $"needs 2 allowed cores, this process has {allowed.Count}");
        var text = new StringWriter();
        Assert.Equal(0, MutexContention.Execute([allowed[0], allowed[1]], [1, 3], batches: 1, iterations: 300, text));
        var rows = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("multikernel", StringComparison.Ordinal) || l.StartsWith("pinned host", StringComparison.Ordinal)).ToArray();
        Assert.Equal(4, rows.Length);
        foreach (var row in rows)
        {
            var numbers = row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^3..].Select(double.Parse).ToArray();
            Assert.Contains(numbers[0], new[] { 1.0, 3.0 });
            Assert.True(numbers[1] > 0 && numbers[2] > 0 && numbers[2] <= numbers[1], row);
        }
    }

    [Theory]
    [InlineData("--cores", "0")]
    [InlineData("--cores", "100000")]
    [InlineData("--threads", "0")]
    [InlineData("--threads", "1,x")]
    [InlineData("--batches", "0")]
    [InlineData("--iterations", "10")]
    public void BadOptionsAreBadInput(string option, string value) => Assert.Equal(2, Program.Main(["mutex-contention", option, value]));
}

using Benchmarks.CpuDriver;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

/// <summary>The cpu-rounds measurement runs both settings and rejects bad input (its numbers are not checked here: timings belong in the report).</summary>
public class DriverRoundsTests
{
    [Fact]
    public void MeasuresBothVisitRulesOnABootedCore()
    {
        var text = new StringWriter();
        int[] cpus = [CoreAffinity.AllowedCpus()[0]];
        Assert.Equal(0, DriverRounds.Execute(cpus, batches: 2, roundsPerBatch: 20_000, text));
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var rows = lines.Where(l => l.StartsWith("on a 16th round", StringComparison.Ordinal) || l.StartsWith("every 16th round", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, rows.Length);
        foreach (var row in rows)
        {
            var numbers = row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^2..].Select(double.Parse).ToArray();
            Assert.All(numbers, n => Assert.True(n > 0, row));
            Assert.True(numbers[1] <= numbers[0], $"the minimum exceeds the median: {row}");
        }
    }

    [Fact]
    public void EachBatchTimesItsRounds()
    {
        var perRound = DriverRounds.Measure([CoreAffinity.AllowedCpus()[0]], TimeSpan.Zero, batches: 3, roundsPerBatch: 10_000);
        Assert.Equal(3, perRound.Length);
        Assert.All(perRound, c => Assert.True(c > 0));
        Assert.Equal(perRound.Order(), perRound);
    }

    [Theory]
    [InlineData("--cores", "100000")]
    [InlineData("--batches", "0")]
    [InlineData("--rounds", "10")]
    public void BadOptionsAreBadInput(string option, string value) => Assert.Equal(2, Program.Main(["cpu-rounds", option, value]));
}

using IOWebserver;

namespace Experiments.Tests;

/// <summary>The UDP generator's latency sample: every value while it fits, a uniform sample of the whole run beyond.</summary>
public class LatencyReservoirTests
{
    [Fact]
    public void KeepsEveryValueInArrivalOrderWhileTheyFit()
    {
        var r = new LatencyReservoir(8, seed: 1);
        for (int i = 0; i < 5; i++) r.Add(i);
        Assert.Equal([0.0, 1, 2, 3, 4], r.ToArray());
        Assert.Equal(5, r.Seen);
    }

    /// <summary>
    /// 100,000 values into 1,000 places: each decile of the run keeps about a tenth of the sample (expected 100, sd about
    /// 9.5; the bounds are more than 3 sd), so late replies count as much as early ones. Keeping the first 1,000 would
    /// put them all in the first decile.
    /// </summary>
    [Theory]
    [InlineData(1UL)]
    [InlineData(0x9E3779B97F4A7C15UL)]
    [InlineData(12345UL)]
    public void BeyondItsCapacityKeepsAUniformSampleOfTheWholeRun(ulong seed)
    {
        const int n = 100_000, capacity = 1_000;
        var r = new LatencyReservoir(capacity, seed);
        for (int i = 0; i < n; i++) r.Add(i);
        double[] kept = r.ToArray();
        Assert.Equal(capacity, kept.Length);
        Assert.Equal(n, r.Seen);
        Assert.Equal(capacity, kept.Distinct().Count()); // each value kept at most once
        var perDecile = kept.GroupBy(v => (int)(v / (n / 10))).ToDictionary(g => g.Key, g => g.Count());
        for (int d = 0; d < 10; d++)
            Assert.InRange(perDecile.GetValueOrDefault(d), 65, 135);
    }

    /// <summary>
    /// One place and ten values, over 1,000 seeds: each value is the one kept about a tenth of the time (expected 100,
    /// sd about 9.5; the bounds are more than 4 sd), the first as often as the last. A draw over the values after the
    /// first place instead of all seen ones would never keep the first.
    /// </summary>
    [Fact]
    public void EveryValueIsKeptWithTheSameProbabilityFromTheFirstOn()
    {
        var kept = new int[10];
        for (ulong s = 1; s <= 1000; s++)
        {
            var r = new LatencyReservoir(1, s * 0x9E3779B97F4A7C15UL);
            for (int i = 0; i < 10; i++) r.Add(i);
            kept[(int)r.ToArray()[0]]++;
        }
        Assert.All(kept, k => Assert.InRange(k, 60, 140));
    }

    /// <summary>
    /// A run's sample from two threads' reservoirs: one saw 1,000 values and kept 100, the other saw 100 and kept them
    /// all. Each value of the run must be kept with the same probability (100 / 1,000), so the second gives 10, not
    /// its 100; where neither thread had to sample, every value is kept.
    /// </summary>
    [Fact]
    public void AMergedSampleTakesFromEachThreadInProportionToWhatItSaw()
    {
        var merged = LatencyReservoir.Merge([(Enumerable.Repeat(1.0, 100).ToArray(), 1000), (Enumerable.Repeat(2.0, 100).ToArray(), 100)], seed: 7);
        Assert.Equal(100, merged.Count(v => v == 1.0));
        Assert.Equal(10, merged.Count(v => v == 2.0));
        Assert.Equal([1.0, 2, 3], LatencyReservoir.Merge([([1.0, 2], 2), ([3.0], 1), ([], 0)], seed: 7));
    }

    [Fact]
    public void RefusesAnEmptyCapacity() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyReservoir(0, seed: 1));
}

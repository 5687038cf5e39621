using Compute.Sweep;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Compute.Tests;

/// <summary>
/// The run order of a sweep point's runtimes: every repetition runs each runtime exactly once, over k repetitions each
/// runtime is in each position once, and over a period each runtime directly follows each other one equally often.
/// </summary>
public class RuntimeOrderTests
{
    static Arbitrary<(int Runtimes, int Repetition)> Cases =>
        Gen.Choose(1, 12).SelectMany(k => Gen.Choose(0, 200).Select(r => (k, r))).ToArbitrary();

    [Property(MaxTest = 500)]
    public Property Every_repetition_runs_every_runtime_exactly_once() =>
        Prop.ForAll(Cases, c =>
        {
            var order = RuntimeOrder.Of(c.Repetition, c.Runtimes);
            Assert.Equal(Enumerable.Range(0, c.Runtimes), order.Order());
        });

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    public void Over_k_repetitions_each_runtime_is_in_each_position_once(int k)
    {
        // Every block of k repetitions that starts a Latin square: repetitions 0..k-1, and k..2k-1 (the mirrored square for odd k).
        foreach (int start in new[] { 0, k, 2 * k, 5 * RuntimeOrder.Period(k) })
        {
            var count = new int[k, k];
            for (int r = start; r < start + k; r++)
            {
                var order = RuntimeOrder.Of(r, k);
                for (int p = 0; p < k; p++) count[order[p], p]++;
            }
            for (int runtime = 0; runtime < k; runtime++)
                for (int p = 0; p < k; p++)
                    Assert.True(count[runtime, p] == 1, $"k={k}, repetitions {start}..{start + k - 1}: runtime {runtime} in position {p + 1} {count[runtime, p]} times");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(9)]
    public void Over_a_period_each_runtime_follows_each_other_one_equally_often(int k)
    {
        int period = RuntimeOrder.Period(k);
        Assert.Equal(k % 2 == 0 ? k : 2 * k, period);
        var follows = new int[k, k];
        for (int r = 0; r < period; r++)
        {
            var order = RuntimeOrder.Of(r, k);
            for (int p = 1; p < k; p++) follows[order[p - 1], order[p]]++;
        }
        int expected = period * (k - 1) / (k * (k - 1));
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                Assert.True(a == b ? follows[a, b] == 0 : follows[a, b] == expected, $"k={k}: {b} right after {a} {follows[a, b]} times, expected {(a == b ? 0 : expected)}");
    }

    [Fact]
    public void Orders_repeat_with_the_period_and_the_first_runs_the_list_in_the_williams_pattern()
    {
        Assert.Equal([0, 1, 3, 2], RuntimeOrder.Of(0, 4));
        Assert.Equal([1, 2, 0, 3], RuntimeOrder.Of(1, 4));
        Assert.Equal(RuntimeOrder.Of(1, 4), RuntimeOrder.Of(5, 4));
        Assert.Equal([2, 1, 0], RuntimeOrder.Of(3, 3)); // odd k: the second square mirrors the first
        Assert.Equal([0], RuntimeOrder.Of(7, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => RuntimeOrder.Of(-1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => RuntimeOrder.Of(0, 0));
    }
}

using Benchmarks.Native;

namespace Benchmarks.Tests;

/// <summary>
/// The C# twin and the native reference report the same statistic under each name: the medians are the suite's median
/// (the mean of the two middle values of an even-sized sample, <see cref="SampleSummary.MedianOfSorted{T}"/>), which
/// urpc_pingpong.c computes the same way; p10/p90 at rank floor(q (n - 1)) on both sides.
/// </summary>
public class PingPongStatisticsTests
{
    [Fact]
    public void Medians_of_even_sized_samples_are_the_mean_of_the_two_middle_values()
    {
        // Round trips quantised as on the VM's TSC (26-cycle steps): the two middle values differ by one step.
        ulong[] rtt = [234, 208, 260, 182, 208, 234, 286, 234, 208, 182];       // sorted: 182 182 208 208 208 | 234 234 234 260 286
        double[] batches = [220.5, 218.0, 225.0, 219.0];                          // sorted: 218 219 | 220.5 225
        long[] oneway = [120, 117, 130, 91];                                      // sorted: 91 117 | 120 130
        double[] tput = [40.0, 46.0, 41.0, 45.0];                                 // sorted: 40 41 | 45 46
        ulong[] rttReceive = [208, 234];

        var r = PingPongMeasurement.Summarise(rtt, batches, oneway, tput, rttReceive);

        Assert.Equal(221.0, r.RttMedian);
        Assert.Equal(219.75, r.RttBatchMedian);
        Assert.Equal(118.5, r.OneWayMedian);
        Assert.Equal(43.0, r.MsgsPerKcycle);
        Assert.Equal(221.0, r.RttReceiveMedian);
    }

    [Fact]
    public void Percentiles_take_the_native_references_rank()
    {
        ulong[] rtt = [.. Enumerable.Range(1, 10).Select(i => (ulong)(10 * i))];
        var r = PingPongMeasurement.Summarise(rtt, [1.0], [1], [1.0], [1]);
        Assert.Equal(10, r.RttP10);  // rank floor(0.1 x 9) = 0
        Assert.Equal(90, r.RttP90);  // rank floor(0.9 x 9) = 8
        Assert.Equal(55, r.RttMedian);
    }
}

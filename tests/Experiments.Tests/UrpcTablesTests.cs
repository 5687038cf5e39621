using Fig1.SharedState;
using Multikernel.Hardware;

namespace Experiments.Tests;

/// <summary>The table benchmarks deliver every message and call correctly (timings are not checked).</summary>
public class UrpcTablesTests
{
    static readonly SweepSize Small = new(Iterations: 500, Repetitions: 3, Warmup: 50);

    [Fact]
    public void LrpcCallsAllReturnTheirResult()
    {
        var m = LrpcCaller.Measure(TestCores.First(1)[0], Small);
        Assert.Null(m.Failure);
        Assert.Equal(Small.Repetitions, m.CyclesPerOp.Length);
    }

    [Fact]
    public void UrpcPairDeliversPingsPongsAndStreamsInOrder()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one (a pair needs two cores; the CLI test covers the one-core skip)");
        var c = TestCores.UpToTwo;
        var m = UrpcPairBench.Measure(c[0], c[1], Small);
        Assert.Null(m.Failure);
        Assert.Equal(Small.Repetitions, m.RoundTrip.Length);
        Assert.Equal(Small.Repetitions, m.OneWay.Length);
        Assert.Equal(Small.Repetitions, m.MsgsPerKcycle.Length);
        Assert.All(m.RoundTrip, c => Assert.True(c > 0));
    }

    [Fact]
    public void BareRingReferenceEchoesEveryRoundTrip()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        var c = TestCores.UpToTwo;
        var (rtt, disturbed) = BareRingReference.Measure(c[0], c[1], Small, MachineTopology.Current);
        Assert.Equal(Small.Repetitions, rtt.Length);
        Assert.Equal(Small.Repetitions, disturbed.Length);
        Assert.All(rtt, x => Assert.True(x > 0));
    }

    [Fact]
    public void UrpcPairAcrossCoreProcessesDeliversPingsPongsAndStreamsInOrder()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        var c = TestCores.UpToTwo;
        var m = UrpcPairBench.MeasureInProcesses(c[0], c[1], Small, out double startupMs);
        Assert.True(m.Failure == null, m.Failure);
        Assert.True(startupMs > 0);
        Assert.Equal(Small.Repetitions, m.RoundTrip.Length);
        Assert.All(m.RoundTrip, x => Assert.True(x > 0));
        Assert.All(m.MsgsPerKcycle, x => Assert.True(x > 0));
    }

    /// <summary>
    /// The harness-ratio row: the dispatchers' round trip over the bare-ring reference, its interval from the outer ends
    /// of the two rows' intervals, as many samples as the smaller row, the pair's own check, and a note that says
    /// whether the timing target was met.
    /// </summary>
    [Fact]
    public void TheHarnessRatioIsTheRoundTripOverTheBareRingWithinTheirIntervals()
    {
        var rows = new RowFactory(Fig1Settings.UrpcTablesId);
        const string Param = "pair=0,1;class=same-L3";
        // Seven and eight samples: both medians have a 95% CI.
        var roundTrip = rows.Cycles("URPC round-trip same-L3", 2, Param, "cycles", [200, 210, 220, 230, 240, 250, 260], null, "fail", "");
        var reference = rows.Cycles("URPC round-trip same-L3 (bare ring)", 2, Param, "cycles", [90, 95, 100, 105, 110, 115, 120, 125], null, "pass", "");
        Assert.True(reference.CiLow < reference.CiHigh, $"reference [{reference.CiLow}, {reference.CiHigh}]");
        var ratio = UrpcTablesSweep.HarnessRatio(roundTrip, reference, "same-L3", Param);
        Assert.Equal(("URPC round-trip same-L3", $"{Param};of=dispatchers/bare-ring", "harness_ratio", "x"), (ratio.Series, ratio.Param, ratio.Metric, ratio.Unit));
        Assert.Equal(roundTrip.Median / reference.Median, ratio.Median, 12);
        Assert.Equal(roundTrip.CiLow / reference.CiHigh, ratio.CiLow, 12);
        Assert.Equal(roundTrip.CiHigh / reference.CiLow, ratio.CiHigh, 12);
        Assert.Equal(7, ratio.Samples);
        Assert.Equal("fail", ratio.Verified);
        Assert.StartsWith("TARGET MISSED", ratio.Note);
        Assert.StartsWith("target met", UrpcTablesSweep.HarnessRatio(reference, reference, "same-L3", Param).Note);
    }

    [Fact]
    public void PairsHaveOneRepresentativePerDistanceClass()
    {
        // 2 packages x 2 nodes x 2 L3 x 2 cores: from core 0 every class but SMT sibling is present.
        var topo = MachineTopology.FromDescription(2, 2, 2, 2);
        var pairs = UrpcTablesSweep.Pairs(Enumerable.Range(0, 16).ToArray(), topo);
        Assert.Equal(
            [(0, 1, CorePairDistance.SameL3), (0, 2, CorePairDistance.SameNumaNode), (0, 4, CorePairDistance.SamePackage), (0, 8, CorePairDistance.OtherPackage)],
            pairs);
        Assert.Equal(["same-L3", "other-L3", "other-node", "other-package"], pairs.Select(p => UrpcTablesSweep.ClassName(p.Class)));
        Assert.Empty(UrpcTablesSweep.Pairs([3], topo));
    }
}

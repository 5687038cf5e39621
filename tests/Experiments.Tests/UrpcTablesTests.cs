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

using Fig3.TlbShootdown;
using Multikernel.Monitor;

namespace Experiments.Tests;

/// <summary>What the fig3 program plans from its settings, without running a point: the points per MMU, the capability points' size, the protocols' names and the rows' comparisons.</summary>
public class Fig3PlanTests
{
    static Fig3Settings Settings(MmuSeries mmu) =>
        new(new SweepChoice([0, 1], "out", "default", 20, 3)) { Grouping = RoutingGrouping.Package, Mmu = mmu };

    [Theory]
    [InlineData(MmuSeries.Hardware, "Multikernel (processes) cores=1|Linux mprotect cores=1|Linux munmap cores=1|Multikernel (processes) cores=2|Linux mprotect cores=2|Linux munmap cores=2")]
    [InlineData(MmuSeries.Modelled, "Multikernel cores=1|Linux mprotect cores=1|Linux munmap cores=1|Multikernel cores=2|Linux mprotect cores=2|Linux munmap cores=2")]
    [InlineData(MmuSeries.Both, "Multikernel cores=1|Multikernel (processes) cores=1|Linux mprotect cores=1|Linux munmap cores=1|Multikernel cores=2|Multikernel (processes) cores=2|Linux mprotect cores=2|Linux munmap cores=2")]
    public void EachMmuAskedForHasItsMultikernelPointsAndNoOther(MmuSeries mmu, string points)
    {
        // The capability points (cross-core from 2 cores, local once) follow whatever the MMU choice.
        Assert.Equal([.. points.Split('|'), "Capabilities cores=2", "Capability invocations cores=1"], TlbSweep.Plan(Settings(mmu)).Select(p => p.Name));
    }

    [Theory]
    [InlineData("hardware", MmuSeries.Hardware)]
    [InlineData("modelled", MmuSeries.Modelled)]
    [InlineData("modeled", MmuSeries.Modelled)]
    [InlineData(" Both ", MmuSeries.Both)]
    [InlineData("tlb", null)]
    public void TheMmuOptionNamesOneChoiceEach(string text, MmuSeries? expected) => Assert.Equal(expected, Fig3Cli.ParseMmu(text));

    [Theory]
    [InlineData(50, 101, 10, 21, 2)]       // a tenth, at least 10 operations; at most 21 repetitions
    [InlineData(1_000, 11, 100, 11, 10)]   // the default profile's points, quick's repetitions
    [InlineData(100_000, 5, 200, 5, 20)]   // at most 200 operations
    public void CapabilityPointsRunATenthOfTheOperationsWithinTheirBounds(int iterations, int repetitions, int capIterations, int capRepetitions, int capWarmup) =>
        Assert.Equal(new SweepSize(capIterations, capRepetitions, capWarmup), CapabilityWorkload.SizeFor(SweepSize.For(iterations, repetitions)));

    [Theory]
    [InlineData(RoutingProtocol.Broadcast, "broadcast")]
    [InlineData(RoutingProtocol.Unicast, "unicast")]
    [InlineData(RoutingProtocol.Multicast, "multicast")]
    [InlineData(RoutingProtocol.NumaAwareMulticast, "numa-aware-multicast")]
    public void EachProtocolHasItsOwnNameInTheRows(RoutingProtocol protocol, string name) => Assert.Equal(name, TlbSweep.Name(protocol));

    [Fact]
    public void AnAgreementRowIsComparedWithTheSeriesOnItsOwnRoute()
    {
        ShootdownSeries[] series =
        [
            new("Broadcast", RoutingProtocol.Broadcast, SeriesKind.Shootdown),
            new("Unicast", RoutingProtocol.Unicast, SeriesKind.Shootdown),
            new("1PC", RoutingProtocol.Broadcast, SeriesKind.OnePhase),
            new("1PC", RoutingProtocol.Unicast, SeriesKind.OnePhase),
            new("2PC", RoutingProtocol.Unicast, SeriesKind.TwoPhase),
        ];
        LatencySamples[] measured = [.. new double[] { 100, 200, 300, 500, 1500 }.Select(c => new LatencySamples { Cycles = [c], Disturbed = null, Facts = "" })];
        Assert.Equal("median / median of the TLB shootdown on the same route in this boot = 3.00; ", TlbSweep.Versus(series[2], series, measured, 2));
        Assert.Equal("median / median of the TLB shootdown on the same route in this boot = 2.50; ", TlbSweep.Versus(series[3], series, measured, 3));
        Assert.Equal("median / median of the 1PC on the same route in this boot = 3.00; ", TlbSweep.Versus(series[4], series, measured, 4));
    }
}

using NumaCheck;

namespace Multikernel.Tests;

/// <summary>The checks of Tools/NumaCheck (run inside the emulated multi-socket guest) on made-up machines: they pass
/// on the machine that was built and fail on one that is not.</summary>
public class NumaCheckTests
{
    static readonly int[][] Square = [[10, 16, 16, 22], [16, 10, 22, 16], [16, 22, 10, 16], [22, 16, 16, 10]];

    static MachineTopology Machine(int sockets, int cores, bool interleaved, int[][] slit)
    {
        var expected = new ExpectedMachine(sockets, cores, interleaved, slit);
        var list = new List<CoreInfo>();
        for (int s = 0; s < sockets; s++)
            foreach (int cpu in expected.CpusOf(s)) list.Add(new CoreInfo(cpu, s, s, s, s * 1000 + cpu));
        var distances = new Dictionary<(int, int), int>();
        for (int a = 0; a < sockets; a++) for (int b = 0; b < sockets; b++) distances[(a, b)] = slit[a][b];
        return new MachineTopology(list, "made up", distances);
    }

    [Fact]
    public void EveryTopologyAndRoutingCheckPassesOnTheMachineThatWasBuilt()
    {
        foreach (var (s, c, inter, slit) in new[] { (4, 2, false, Square), (2, 4, true, new[] { new[] { 10, 21 }, new[] { 21, 10 } }) })
        {
            var log = new CheckLog(null);
            var t = Machine(s, c, inter, slit);
            TopologyChecks.Run(log, t, new ExpectedMachine(s, c, inter, slit));
            RoutingChecks.Run(log, t);
            Assert.All(log.Checks, x => Assert.True(x.Passed, $"{x.Name}: {x.Detail}"));
            Assert.Equal(8, log.Checks.Count);
        }
    }

    [Fact]
    public void TheChecksFailOnAMachineOtherThanTheOneExpected()
    {
        var log = new CheckLog(null);
        var linear = Machine(2, 4, interleaved: false, [[10, 21], [21, 10]]);
        TopologyChecks.Run(log, linear, new ExpectedMachine(2, 4, Interleaved: true, [[10, 21], [21, 10]]));
        TopologyChecks.Run(log, linear, new ExpectedMachine(2, 4, Interleaved: false, [[10, 20], [20, 10]]));
        Assert.Equal(["topology-packages", "topology-distances"], log.Checks.Where(x => !x.Passed).Select(x => x.Name));
    }

    [Fact]
    public void ExpectedShootdownTrafficFollowsTheRoute()
    {
        var t = Machine(4, 2, false, Square);
        var cpus = t.Cores.Select(x => x.Cpu).ToArray();
        var tree = Routing.Build(RoutingProtocol.NumaAwareMulticast, t, cpus, CoreSet.FirstN(8), 0, RoutingGrouping.Package);
        var m = ProtocolChecks.Expected(tree, 8);
        Assert.Equal(1, m[0, 6]);   // request to the far package's aggregator
        Assert.Equal(1, m[6, 7]);   // its forward
        Assert.Equal(1, m[7, 6]);   // the member's ack to the aggregator
        Assert.Equal(1, m[6, 0]);   // the aggregated ack
        Assert.Equal(0, m[0, 7]);   // never directly to a member of another package
        long total = 0; foreach (long x in m) total += x;
        Assert.Equal(14, total);    // 4 first hops + 3 forwards + 3 member acks + 4 hop acks
        var broadcast = ProtocolChecks.Expected(Routing.Build(RoutingProtocol.Broadcast, t, cpus, CoreSet.FirstN(8), 0, RoutingGrouping.Package), 8);
        long acks = 0; foreach (long x in broadcast) acks += x;
        Assert.Equal(7, acks);      // the request goes through the broadcast buffer; only acks use the rings
    }
}

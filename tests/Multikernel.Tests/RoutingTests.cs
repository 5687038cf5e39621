
namespace Multikernel.Tests;

/// <summary>The shootdown routes on made-up machines: who is reached, through which aggregator, in which order.</summary>
public class RoutingTests
{
    /// <summary>The paper's machine: 8 packages x 4 cores (one node and one L3 per package).</summary>
    static readonly MachineTopology Amd8x4 = MachineTopology.FromDescription(8, 1, 1, 4);
    /// <summary>2 sockets x 2 NUMA nodes x 4 cores, one L3 per node.</summary>
    static readonly MachineTopology TwoByTwo = MachineTopology.FromDescription(2, 2, 1, 4);

    static int[] Identity(MachineTopology t) => t.Cores.Select(c => c.Cpu).ToArray();

    static RoutingTree Build(RoutingProtocol p, MachineTopology t, CoreSet participants, int initiator, RoutingGrouping? g = null) =>
        Routing.Build(p, t, Identity(t), participants, initiator, g ?? RoutingGrouping.Package);

    static string Render(RoutingTree t) =>
        string.Join(" ", t.Hops.Select(h => h.Forward.Length == 0 ? $"{h.Core}" : $"{h.Core}>[{string.Join(',', h.Forward)}]"));

    /// <summary>Every core the route reaches, with repeats (a core reached twice appears twice).</summary>
    static List<int> Reached(RoutingTree t) => t.Hops.SelectMany(h => h.Forward.Prepend(h.Core)).ToList();

    [Fact]
    public void UnicastSendsToEveryOtherParticipantInOrder()
    {
        var t = Build(RoutingProtocol.Unicast, Amd8x4, CoreSet.FirstN(32), 5);
        Assert.Equal(Enumerable.Range(0, 32).Where(c => c != 5), t.Hops.Select(h => h.Core));
        Assert.All(t.Hops, h => Assert.Empty(h.Forward));
        Assert.Equal(31, t.RemoteCores);
        Assert.False(t.ViaBroadcastBuffer);
    }

    [Fact]
    public void BroadcastExpectsAnAckFromEveryOtherParticipantThroughOneBuffer()
    {
        var t = Build(RoutingProtocol.Broadcast, Amd8x4, CoreSet.Of([0, 3, 9, 31]), 9);
        Assert.True(t.ViaBroadcastBuffer);
        Assert.Equal([0, 3, 31], t.Hops.Select(h => h.Core));
        Assert.Equal(3, t.RemoteCores);
    }

    [Fact]
    public void MulticastOnThePapersMachineUsesOneAggregatorPerOtherPackage()
    {
        var t = Build(RoutingProtocol.Multicast, Amd8x4, CoreSet.FirstN(32), 0);
        Assert.Equal("1 2 3 4>[5,6,7] 8>[9,10,11] 12>[13,14,15] 16>[17,18,19] 20>[21,22,23] 24>[25,26,27] 28>[29,30,31]", Render(t));
        Assert.Equal(31, t.RemoteCores);
        Assert.Equal([5, 6, 7], t.ForwardOf(4).ToArray());
        Assert.True(t.ForwardOf(5).IsEmpty);
    }

    [Fact]
    public void PlainMulticastKeepsGroupOrderWithTheInitiatorsOwnGroupInPlace()
    {
        var t = Build(RoutingProtocol.Multicast, Amd8x4, CoreSet.FirstN(16), 13);
        Assert.Equal("0>[1,2,3] 4>[5,6,7] 8>[9,10,11] 12 14 15", Render(t));
    }

    [Fact]
    public void NumaAwareMulticastSendsToOtherSocketFirstAndOwnNodeLast()
    {
        // L3 (= node) groups on 2 sockets x 2 nodes: nodes 2 and 3 are on the other socket, node 1 on ours.
        var t = Build(RoutingProtocol.NumaAwareMulticast, TwoByTwo, CoreSet.FirstN(16), 0, RoutingGrouping.L3Domain);
        Assert.Equal("8>[9,10,11] 12>[13,14,15] 4>[5,6,7] 1 2 3", Render(t));
        // Per package: one aggregator for the whole other socket.
        var p = Build(RoutingProtocol.NumaAwareMulticast, TwoByTwo, CoreSet.FirstN(16), 6);
        Assert.Equal("8>[9,10,11,12,13,14,15] 0 1 2 3 4 5 7", Render(p));
    }

    [Fact]
    public void NumaAwareMulticastSendsToTheFarthestNodeOfTheSlitFirst()
    {
        // 4 sockets x 2 cores, nodes in a square: 0-1 and 0-2 one hop (16), 0-3 diagonal (22).
        int[,] slit = { { 10, 16, 16, 22 }, { 16, 10, 22, 16 }, { 16, 22, 10, 16 }, { 22, 16, 16, 10 } };
        var distances = new Dictionary<(int, int), int>();
        for (int a = 0; a < 4; a++) for (int b = 0; b < 4; b++) distances[(a, b)] = slit[a, b];
        var square = MachineTopology.FromDescription(4, 1, 1, 2, nodeDistances: distances);
        Assert.Equal("6>[7] 2>[3] 4>[5] 1", Render(Build(RoutingProtocol.NumaAwareMulticast, square, CoreSet.FirstN(8), 0)));
        Assert.Equal("0>[1] 2>[3] 4>[5] 7", Render(Build(RoutingProtocol.NumaAwareMulticast, square, CoreSet.FirstN(8), 6)));
        // Without a SLIT every other package is equally far: lower core index first.
        Assert.Equal("2>[3] 4>[5] 6>[7] 1", Render(Build(RoutingProtocol.NumaAwareMulticast, MachineTopology.FromDescription(4, 1, 1, 2), CoreSet.FirstN(8), 0)));
    }

    /// <summary>
    /// NUMA-aware multicast measures a hop's distance at the node of the hop's CPU, not of a CPU numbered like its core
    /// index: here the cores are listed from the last CPU down (core 0 is CPU 15, on node 3), and the SLIT puts the
    /// other socket's nodes (0, 1) far and node 2 near.
    /// </summary>
    [Fact]
    public void NumaAwareMulticastMeasuresEachHopAtItsCpusNode()
    {
        var distances = new Dictionary<(int, int), int>();
        for (int a = 0; a < 4; a++) for (int b = 0; b < 4; b++) distances[(a, b)] = a == b ? 10 : a / 2 == b / 2 ? 15 : 40;
        var machine = MachineTopology.FromDescription(2, 2, 1, 4, nodeDistances: distances);
        int[] reversed = machine.Cores.Select(c => c.Cpu).Reverse().ToArray();
        var t = Routing.Build(RoutingProtocol.NumaAwareMulticast, machine, reversed, CoreSet.FirstN(16), 0, RoutingGrouping.Package);
        Assert.Equal("8>[9,10,11,12,13,14,15] 4 5 6 7 1 2 3", Render(t));
    }

    [Fact]
    public void NumaAwareBreaksDistanceTiesByLargerGroupFirst()
    {
        var participants = CoreSet.Of([0, 4, 8, 9, 10, 12, 13]);
        var t = Build(RoutingProtocol.NumaAwareMulticast, Amd8x4, participants, 0);
        Assert.Equal("8>[9,10] 12>[13] 4", Render(t));
    }

    [Fact]
    public void InitiatorOutsideTheParticipantsStillReachesThemAll()
    {
        var t = Build(RoutingProtocol.Multicast, Amd8x4, CoreSet.Of([4, 5, 6, 7, 8]), 0);
        Assert.Equal("4>[5,6,7] 8", Render(t));
        Assert.Equal(5, t.RemoteCores);
    }

    /// <summary>L3 groups follow the shared L3 caches, not the NUMA nodes: here one node holds two L3 domains of four cores.</summary>
    [Fact]
    public void L3GroupsSplitANodeThatHoldsTwoL3Caches()
    {
        var twoL3s = MachineTopology.FromDescription(1, 1, 2, 4);
        Assert.Equal("1 2 3 4>[5,6,7]", Render(Build(RoutingProtocol.Multicast, twoL3s, CoreSet.FirstN(8), 0, RoutingGrouping.L3Domain)));
    }

    [Fact]
    public void FixedSizeGroupsModelAHierarchyOnAFlatMachine()
    {
        var flat = MachineTopology.FromDescription(1, 1, 1, 16);
        var t = Build(RoutingProtocol.Multicast, flat, CoreSet.FirstN(16), 0, RoutingGrouping.Fixed(4));
        Assert.Equal("1 2 3 4>[5,6,7] 8>[9,10,11] 12>[13,14,15]", Render(t));
        var byPackage = Build(RoutingProtocol.Multicast, flat, CoreSet.FirstN(16), 0);
        Assert.All(byPackage.Hops, h => Assert.Empty(h.Forward)); // one package: multicast is unicast
    }

    [Fact]
    public void BadInitiatorOrParticipantIsRefused()
    {
        var cores = Identity(Amd8x4);
        Assert.Throws<ArgumentOutOfRangeException>(() => Routing.Build(RoutingProtocol.Unicast, Amd8x4, cores, CoreSet.FirstN(4), 32, RoutingGrouping.Package));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Routing.Build(RoutingProtocol.Unicast, Amd8x4, cores[..8], CoreSet.FirstN(9), 0, RoutingGrouping.Package));
        Assert.Contains("0..7", e.Message);
    }

    static Gen<(MachineTopology Machine, RoutingGrouping Grouping, CoreSet Participants, int Initiator)> Case() =>
        from machine in Gen.Elements(Amd8x4, TwoByTwo)
        from grouping in Gen.Elements(RoutingGrouping.Package, RoutingGrouping.L3Domain, RoutingGrouping.Fixed(3))
        from bits in Gen.ArrayOf(Gen.Elements(true, false), machine.Cores.Count)
        from initiator in Gen.Choose(0, machine.Cores.Count - 1)
        select (machine, grouping, CoreSet.Of(Enumerable.Range(0, bits.Length).Where(i => bits[i])), initiator);

    /// <summary>Property: every protocol reaches every participant but the initiator exactly once, and nothing else.</summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property EveryParticipantReachedExactlyOnce() => Prop.ForAll(Case().ToArbitrary(), c =>
    {
        var expected = c.Participants.Without(c.Initiator).ToArray();
        foreach (var p in Enum.GetValues<RoutingProtocol>())
        {
            var t = Build(p, c.Machine, c.Participants, c.Initiator, c.Grouping);
            var reached = Reached(t);
            if (!reached.Order().SequenceEqual(expected) || t.RemoteCores != expected.Length) return false;
        }
        return true;
    });

    /// <summary>Property: multicast aggregators are per group: one hop per other group, forwarding only within it; the own group is served directly.</summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property AggregatorsArePerGroup() => Prop.ForAll(Case().ToArbitrary(), c =>
    {
        int[] cpus = Identity(c.Machine);
        int G(int core) => c.Grouping.GroupOf(c.Machine, core, cpus[core]);
        foreach (var p in new[] { RoutingProtocol.Multicast, RoutingProtocol.NumaAwareMulticast })
        {
            var t = Build(p, c.Machine, c.Participants, c.Initiator, c.Grouping);
            var foreignHops = t.Hops.Where(h => G(h.Core) != G(c.Initiator)).ToList();
            if (foreignHops.Select(h => G(h.Core)).Distinct().Count() != foreignHops.Count) return false; // one per group
            if (t.Hops.Any(h => h.Forward.Any(f => G(f) != G(h.Core)))) return false;                   // forward within group
            if (t.Hops.Any(h => G(h.Core) == G(c.Initiator) && h.Forward.Length > 0)) return false;     // own group direct
            if (foreignHops.Any(h => h.Forward.Any(f => f < h.Core))) return false;                    // aggregator = lowest
        }
        return true;
    });

    /// <summary>
    /// Property: NUMA-aware multicast sends in non-increasing distance from the initiator; with groups that follow the
    /// topology (package, L3) its own group comes last.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property NumaAwareSendsMostDistantFirst() => Prop.ForAll(Case().ToArbitrary(), c =>
    {
        int[] cpus = Identity(c.Machine);
        var t = Build(RoutingProtocol.NumaAwareMulticast, c.Machine, c.Participants, c.Initiator, c.Grouping);
        var d = t.Hops.Select(h => c.Machine.Distance(cpus[c.Initiator], cpus[h.Core])).ToList();
        for (int i = 1; i < d.Count; i++) if (d[i] > d[i - 1]) return false;
        if (c.Grouping.Kind == RoutingGroupKind.FixedSize) return true;
        int own = c.Grouping.GroupOf(c.Machine, c.Initiator, cpus[c.Initiator]);
        bool seenOwn = false;
        foreach (var h in t.Hops)
        {
            bool isOwn = c.Grouping.GroupOf(c.Machine, h.Core, cpus[h.Core]) == own;
            if (seenOwn && !isOwn) return false;
            seenOwn |= isOwn;
        }
        return true;
    });

    [Fact]
    public void CoreSetHoldsIndicesUpToItsCapacity()
    {
        var s = CoreSet.Of([0, 63, 64, 130, 191]);
        Assert.Equal(5, s.Count);
        Assert.Equal(192, s.Bound);
        Assert.Equal([0, 63, 64, 130, 191], s.ToArray());
        Assert.True(s.Contains(130));
        Assert.False(s.Without(130).Contains(130));
        Assert.False(s.Contains(192));
        Assert.Equal(s, new CoreSet(s.Word0, s.Word1, s.Word2));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.With(192));
        Assert.Equal(0, CoreSet.Empty.Bound);
        Assert.Equal((64, 128), (CoreSet.Of([63]).Bound, CoreSet.Of([3, 127]).Bound)); // the highest member of the first and second word
        Assert.Equal([3, 127], CoreSet.Of([3, 127]).ToArray());
    }

    [Theory]
    [InlineData("package", RoutingGroupKind.Package, 0)]
    [InlineData("L3", RoutingGroupKind.L3Domain, 0)]
    [InlineData("4", RoutingGroupKind.FixedSize, 4)]
    [InlineData(" l3 ", RoutingGroupKind.L3Domain, 0)]
    [InlineData(" 4 ", RoutingGroupKind.FixedSize, 4)] // blanks were ignored around a name but refused around a number
    public void GroupingParses(string text, RoutingGroupKind kind, int size)
    {
        Assert.True(RoutingGrouping.TryParse(text, out var g));
        Assert.Equal(new RoutingGrouping(kind, size), g);
    }

    /// <summary>
    /// A grouping that cannot group is refused when it is made: a fixed grouping of no cores, made with the record's
    /// constructor rather than <see cref="RoutingGrouping.Fixed"/>, divided by zero in the first multicast route a core
    /// built, and an unknown kind threw there too.
    /// </summary>
    [Fact]
    public void AGroupingThatCannotGroupIsRefusedWhenMade()
    {
        var noSize = Assert.Throws<ArgumentOutOfRangeException>(() => new RoutingGrouping(RoutingGroupKind.FixedSize));
        Assert.Contains("at least one core", noSize.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RoutingGrouping(RoutingGroupKind.FixedSize, -2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RoutingGrouping((RoutingGroupKind)7));
        Assert.Equal(RoutingGrouping.Package, default);
        Assert.Equal(RoutingGrouping.Fixed(4), new RoutingGrouping(RoutingGroupKind.FixedSize, 4));
    }

    [Theory]
    [InlineData("socket")]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("")]
    public void GroupingRefusesOtherText(string text) => Assert.False(RoutingGrouping.TryParse(text, out _));
}


namespace Multikernel.Tests;

/// <summary>
/// The routing trees against a plain model on large and uneven made-up machines (2 and 4 packages, up to 192 cores,
/// the core indices in another order than the CPUs, participant sets across the words of <see cref="CoreSet"/>).
/// </summary>
public class RoutingModelTests
{
    /// <summary>A machine and the booted core list (core index to CPU), not necessarily in CPU order.</summary>
    sealed record Machine(string Name, MachineTopology Topology, int[] CpuOfCore);

    static Dictionary<(int, int), int> Slit(int[][] rows)
    {
        var d = new Dictionary<(int, int), int>();
        for (int a = 0; a < rows.Length; a++) for (int b = 0; b < rows.Length; b++) d[(a, b)] = rows[a][b];
        return d;
    }

    /// <summary>Uneven packages (1, 3, 7 and 5 cores), one node each, package 3 split into two L3 domains; a SLIT.</summary>
    static MachineTopology Uneven()
    {
        int[] sizes = [1, 3, 7, 5];
        var cores = new List<CoreInfo>();
        int cpu = 0;
        for (int p = 0; p < sizes.Length; p++)
            for (int k = 0; k < sizes[p]; k++, cpu++)
                cores.Add(new CoreInfo(cpu, p, p, p == 3 && k >= 2 ? 4 : p, cpu));
        return new MachineTopology(cores, "uneven", Slit([[10, 16, 22, 28], [16, 10, 16, 22], [22, 16, 10, 16], [28, 22, 16, 10]]));
    }

    static Machine Identity(string name, MachineTopology t) => new(name, t, t.Cores.Select(c => c.Cpu).ToArray());

    /// <summary>The cores listed from the highest CPU down: core index 0 is the last CPU.</summary>
    static Machine Reversed(string name, MachineTopology t) => new(name, t, t.Cores.Select(c => c.Cpu).Reverse().ToArray());

    static readonly Machine[] Machines =
    [
        Identity("2x4", MachineTopology.FromDescription(2, 1, 1, 4)),
        Identity("4x4", MachineTopology.FromDescription(4, 1, 1, 4)),
        Identity("2x2x16 (64)", MachineTopology.FromDescription(2, 2, 1, 16)),
        Reversed("4x2x2x8 (128) reversed", MachineTopology.FromDescription(4, 2, 2, 8)),
        Identity("4x2x2x8 (128) slit", MachineTopology.FromDescription(4, 2, 2, 8, nodeDistances: Slit(
        [
            [10, 12, 20, 20, 30, 30, 40, 40], [12, 10, 20, 20, 30, 30, 40, 40], [20, 20, 10, 12, 20, 20, 30, 30], [20, 20, 12, 10, 20, 20, 30, 30],
            [30, 30, 20, 20, 10, 12, 20, 20], [30, 30, 20, 20, 12, 10, 20, 20], [40, 40, 30, 30, 20, 20, 10, 12], [40, 40, 30, 30, 20, 20, 12, 10],
        ]))),
        Identity("3x64 (192)", MachineTopology.FromDescription(3, 1, 1, 64)),
        Identity("uneven 1,3,7,5", Uneven()),
        Reversed("uneven reversed", Uneven()),
    ];

    static readonly RoutingGrouping[] Groupings = [RoutingGrouping.Package, RoutingGrouping.L3Domain, RoutingGrouping.Fixed(1), RoutingGrouping.Fixed(5), RoutingGrouping.Fixed(64)];

    /// <summary>A participant set: random, or everything, or the cores around the words' boundaries, or one core.</summary>
    static CoreSet Participants(Random r, int n)
    {
        switch (r.Next(5))
        {
            case 0: return CoreSet.FirstN(n);
            case 1: return CoreSet.Of(new[] { 0, 62, 63, 64, 65, 126, 127, 128, 129, 191 }.Where(c => c < n));
            case 2: return CoreSet.Empty.With(r.Next(n));
            default:
                double density = r.NextDouble();
                return CoreSet.Of(Enumerable.Range(0, n).Where(_ => r.NextDouble() < density));
        }
    }

    /// <summary>
    /// The sort key of a NUMA-aware hop, compared lexicographically, larger first: SLIT distance from the initiator's
    /// node, then the pair distance, then the cores covered, then the lower core index.
    /// </summary>
    static (int Node, int Pair, int Covered, int NegCore) Key(Machine m, int initiator, RoutingHop h)
    {
        var t = m.Topology;
        int from = m.CpuOfCore[initiator], to = m.CpuOfCore[h.Core];
        return (t.NodeDistance(t.NumaNodeOf(from), t.NumaNodeOf(to)), (int)t.Distance(from, to), h.CoresCovered, -h.Core);
    }

    /// <summary>
    /// Property: for every protocol the tree is the model's: every participant but the initiator reached exactly once
    /// and acknowledged for exactly once (by itself or by its one aggregator); unicast and broadcast one hop per
    /// participant in index order; multicast one hop per other group to its lowest member, forwarding to the rest of
    /// the group in index order, the initiator's own group served directly, groups in key order; NUMA-aware multicast
    /// the same hops ordered farthest first. <see cref="RoutingTree.ForwardOf"/>, <see cref="RoutingTree.HopCores"/> and
    /// <see cref="RoutingTree.RemoteCores"/> agree with the hops.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property TreesMatchTheModel() => Prop.ForAll(Gen.Choose(1, int.MaxValue - 1).ToArbitrary(), seed =>
    {
        var r = new Random(seed);
        var m = Machines[r.Next(Machines.Length)];
        var grouping = Groupings[r.Next(Groupings.Length)];
        int n = m.CpuOfCore.Length;
        var participants = Participants(r, n);
        int initiator = r.Next(4) == 0 && participants.Count > 0 ? participants.ToArray()[r.Next(participants.Count)] : r.Next(n);
        var remote = participants.Without(initiator).ToArray();
        int G(int core) => grouping.GroupOf(m.Topology, core, m.CpuOfCore[core]);
        string where = $"{m.Name}, grouping {grouping}, from #{initiator}, participants {participants}";

        // The model's multicast hops, in group-key order.
        var model = new List<(int Core, int[] Forward)>();
        foreach (var group in remote.GroupBy(G).OrderBy(g => g.Key))
        {
            var members = group.Order().ToArray();
            if (group.Key == G(initiator)) model.AddRange(members.Select(c => (c, Array.Empty<int>())));
            else model.Add((members[0], members[1..]));
        }

        foreach (var protocol in Enum.GetValues<RoutingProtocol>())
        {
            var t = Routing.Build(protocol, m.Topology, m.CpuOfCore, participants, initiator, grouping);
            var hops = t.Hops.Select(h => (h.Core, h.Forward)).ToList();
            string what = $"{protocol}, {where}: {t}";
            Assert.True(t.Hops.SelectMany(h => h.Forward.Prepend(h.Core)).Order().SequenceEqual(remote), $"not every participant reached once: {what}");
            Assert.Equal(remote.Length, t.RemoteCores);
            Assert.Equal(CoreSet.Of(t.Hops.Select(h => h.Core)), t.HopCores);
            Assert.Equal(participants, t.Participants);
            for (int c = 0; c < n + 2; c++)
            {
                var expected = t.Hops.Where(h => h.Core == c).Select(h => h.Forward).FirstOrDefault() ?? [];
                Assert.True(expected.AsSpan().SequenceEqual(t.ForwardOf(c)), $"ForwardOf(#{c}) differs from its hop: {what}");
            }
            switch (protocol)
            {
                case RoutingProtocol.Unicast or RoutingProtocol.Broadcast:
                    Assert.True(hops.Select(h => h.Core).SequenceEqual(remote) && hops.All(h => h.Forward.Length == 0), what);
                    break;
                case RoutingProtocol.Multicast:
                    Assert.True(hops.Count == model.Count && hops.Zip(model).All(p => p.First.Core == p.Second.Core && p.First.Forward.SequenceEqual(p.Second.Forward)),
                        $"expected {string.Join(' ', model.Select(h => $"{h.Core}>[{string.Join(',', h.Forward)}]"))}: {what}");
                    break;
                case RoutingProtocol.NumaAwareMulticast:
                    var sorted = model.Select(h => new RoutingHop(h.Core, h.Forward)).OrderByDescending(h => Key(m, initiator, h)).ToList();
                    Assert.True(hops.Count == sorted.Count && hops.Zip(sorted).All(p => p.First.Core == p.Second.Core && p.First.Forward.SequenceEqual(p.Second.Forward)),
                        $"expected {string.Join(' ', sorted.Select(h => $"{h.Core}>[{string.Join(',', h.Forward)}]"))}: {what}");
                    break;
            }
        }
    });

    /// <summary>
    /// Property: on machines whose groups follow the topology (package or L3 groups), NUMA-aware multicast sends to the
    /// other packages before the initiator's own, and to its own group last.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property NumaAwareReachesTheOwnPackageAndGroupLast() => Prop.ForAll(Gen.Choose(1, int.MaxValue - 1).ToArbitrary(), seed =>
    {
        var r = new Random(seed);
        var m = Machines[r.Next(Machines.Length)];
        var grouping = r.Next(2) == 0 ? RoutingGrouping.Package : RoutingGrouping.L3Domain;
        int n = m.CpuOfCore.Length;
        var participants = Participants(r, n);
        int initiator = r.Next(n);
        var t = Routing.Build(RoutingProtocol.NumaAwareMulticast, m.Topology, m.CpuOfCore, participants, initiator, grouping);
        int Package(int core) => m.Topology[m.CpuOfCore[core]].Package;
        int G(int core) => grouping.GroupOf(m.Topology, core, m.CpuOfCore[core]);
        var ownPackage = t.Hops.Select(h => Package(h.Core) == Package(initiator)).ToList();
        var ownGroup = t.Hops.Select(h => G(h.Core) == G(initiator)).ToList();
        string what = $"{m.Name}, grouping {grouping}, from #{initiator}: {t}";
        Assert.True(ownPackage.SkipWhile(own => !own).All(own => own), $"another package after the own one: {what}");
        Assert.True(ownGroup.SkipWhile(own => !own).All(own => own), $"another group after the own one: {what}");
    });
}

using Multikernel.Hardware;
using Multikernel.Monitor;

namespace NumaCheck;

/// <summary>
/// The routing trees of the many-core protocols on this machine, for every initiator: unicast reaches every other
/// core directly; multicast and NUMA-aware multicast (package groups) send one message per other package, to its
/// aggregator (the package's lowest core index), which forwards to the rest of its package, and reach the
/// initiator's own package directly; NUMA-aware multicast sends to the farthest node first by the SLIT.
/// </summary>
public static class RoutingChecks
{
    public static void Run(CheckLog log, MachineTopology t)
    {
        var cpuOf = t.Cores.Select(c => c.Cpu).ToArray();
        int n = cpuOf.Length;
        var all = CoreSet.FirstN(n);
        int packageOf(int core) => t[cpuOf[core]].Package;

        log.Run("routing-unicast", () =>
        {
            for (int i = 0; i < n; i++)
            {
                var tree = Routing.Build(RoutingProtocol.Unicast, t, cpuOf, all, i, RoutingGrouping.Package);
                if (tree.Hops.Count != n - 1 || tree.Hops.Any(h => h.Forward.Length > 0)) return (false, $"from #{i}: {tree}");
            }
            return (true, $"from every core: {n - 1} direct hops");
        });
        foreach (var protocol in new[] { RoutingProtocol.Multicast, RoutingProtocol.NumaAwareMulticast })
        {
            string name = protocol == RoutingProtocol.Multicast ? "routing-multicast" : "routing-numa-aware-multicast";
            log.Run(name, () =>
            {
                string example = "";
                for (int i = 0; i < n; i++)
                {
                    var tree = Routing.Build(protocol, t, cpuOf, all, i, RoutingGrouping.Package);
                    var want = new HashSet<string>();
                    foreach (var group in Enumerable.Range(0, n).Where(c => c != i).GroupBy(packageOf))
                    {
                        var members = group.Order().ToArray();
                        if (group.Key == packageOf(i)) foreach (int c in members) want.Add($"#{c}");
                        else want.Add(members.Length == 1 ? $"#{members[0]}" : $"#{members[0]}->[{string.Join(',', members[1..])}]");
                    }
                    var got = tree.Hops.Select(h => h.Forward.Length == 0 ? $"#{h.Core}" : $"#{h.Core}->[{string.Join(',', h.Forward.ToArray())}]").ToHashSet();
                    if (!got.SetEquals(want)) return (false, $"from #{i}: {tree}; expected hops {string.Join(", ", want.Order())}");
                    int aggregators = tree.Hops.Count(h => h.Forward.Length > 0);
                    int otherPackages = Enumerable.Range(0, n).Where(c => c != i).Select(packageOf).Where(p => p != packageOf(i)).Distinct().Count();
                    int multiMember = Enumerable.Range(0, n).Where(c => c != i && packageOf(c) != packageOf(i)).GroupBy(packageOf).Count(g => g.Count() > 1);
                    if (aggregators != multiMember) return (false, $"from #{i}: {aggregators} aggregators for {otherPackages} other packages: {tree}");
                    if (protocol == RoutingProtocol.NumaAwareMulticast)
                    {
                        int from = t.NumaNodeOf(cpuOf[i]);
                        var d = tree.Hops.Select(h => t.NodeDistance(from, t.NumaNodeOf(cpuOf[h.Core]))).ToArray();
                        for (int k = 1; k < d.Length; k++)
                            if (d[k] > d[k - 1]) return (false, $"from #{i}: not farthest first (SLIT distances in send order {string.Join(',', d)}): {tree}");
                    }
                    if (i == 0) example = tree.ToString();
                }
                var unicast = Routing.Build(RoutingProtocol.Unicast, t, cpuOf, all, 0, RoutingGrouping.Package);
                bool differs = n < 3 || t.Packages.Count < 2 || Routing.Build(protocol, t, cpuOf, all, 0, RoutingGrouping.Package).Hops.Count < unicast.Hops.Count;
                return (differs, $"one aggregator per other package from every core; e.g. {example}" + (differs ? "" : " (no fewer first hops than unicast)"));
            });
        }
    }
}

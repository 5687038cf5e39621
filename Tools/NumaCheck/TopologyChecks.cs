using Multikernel.Hardware;

namespace NumaCheck;

/// <summary>Does the suite's topology view (<see cref="MachineTopology"/>, from sysfs) see the machine that was built?</summary>
public static class TopologyChecks
{
    public static void Run(CheckLog log, MachineTopology t, ExpectedMachine m)
    {
        log.Run("topology-cpus", () => (t.Cores.Count == m.Cpus, $"{t.Cores.Count} cores (expected {m.Cpus}): {t}"));
        log.Run("topology-packages", () =>
        {
            var got = t.Packages.Select(p => Cpus(t.Cores.Where(c => c.Package == p))).ToArray();
            var want = Enumerable.Range(0, m.Sockets).Select(s => string.Join(',', m.CpusOf(s))).ToArray();
            return (got.SequenceEqual(want), $"cpus per package {string.Join("; ", got)} (expected {string.Join("; ", want)})");
        });
        log.Run("topology-nodes", () =>
        {
            var wrong = t.Cores.Where(c => c.NumaNode != c.Package).Select(c => $"cpu {c.Cpu} on node {c.NumaNode} in package {c.Package}").ToArray();
            bool ok = t.NumaNodes.Count == m.Sockets && wrong.Length == 0;
            return (ok, $"{t.NumaNodes.Count} NUMA nodes (expected {m.Sockets}, one per package)" + (wrong.Length > 0 ? "; " + string.Join("; ", wrong) : ""));
        });
        log.Run("topology-l3", () =>
        {
            var groups = t.L3Domains.Select(l => Cpus(t.Cores.Where(c => c.L3Domain == l))).ToArray();
            bool ok = t.L3Domains.Count == m.Sockets && t.Cores.GroupBy(c => c.L3Domain).All(g => g.Select(c => c.Package).Distinct().Count() == 1);
            return (ok, $"L3 groups {string.Join("; ", groups)} (expected one per package)");
        });
        log.Run("topology-distances", () =>
        {
            var got = t.NumaNodes.Select(a => string.Join(',', t.NumaNodes.Select(b => t.NodeDistance(a, b)))).ToArray();
            var want = m.Distances.Select(r => string.Join(',', r)).ToArray();
            bool ok = t.HasNodeDistances && got.SequenceEqual(want);
            return (ok, $"SLIT {string.Join("; ", got)}{(t.HasNodeDistances ? "" : " (defaults: sysfs gave none)")} (expected {string.Join("; ", want)})");
        });
    }

    static string Cpus(IEnumerable<CoreInfo> cores) => string.Join(',', cores.Select(c => c.Cpu).Order());
}

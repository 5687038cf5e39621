using Multikernel;
using Multikernel.Urpc;

namespace NumaCheck;

/// <summary>
/// Every URPC ring of a booted multikernel is on its receiver's NUMA node, as the host kernel reports each page
/// (move_pages): the monitors' own rings and host ports made at boot, and a binding made by the monitors between
/// every ordered pair of cores.
/// </summary>
public static class PlacementChecks
{
    public static void Run(CheckLog log, MultikernelSystem mk)
    {
        var topo = mk.Topology;
        int nodeOfCore(int core) => topo.NumaNodeOf(mk.Cores[core]);
        log.Run("rings-boot", () =>
        {
            var rings = mk.BootRingPlacements();
            var wrong = rings.Where(r => !r.Placement.OnRequestedNode || !AskedForReceiver(r.Ring, r.Placement, nodeOfCore))
                .Select(r => $"{r.Ring}: {r.Placement}").ToArray();
            return (wrong.Length == 0, wrong.Length == 0
                ? $"{rings.Count} rings (monitor-to-monitor and host ports), every page on its receiver's node"
                : $"{wrong.Length} of {rings.Count} rings misplaced: {string.Join("; ", wrong.Take(8))}");
        });
        log.Run("rings-bind", () =>
        {
            int checkedRings = 0;
            var wrong = new List<string>();
            for (int c = 0; c < mk.CoreCount; c++)
                for (int s = 0; s < mk.CoreCount; s++)
                {
                    if (c == s) continue;
                    var binding = mk.BindAsync(c, s).WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
                    var (intoServer, intoClient) = binding.Placement();
                    checkedRings += 2;
                    if (!intoServer.OnRequestedNode || intoServer.RequestedNode != nodeOfCore(s)) wrong.Add($"bind #{c}->#{s}, ring into #{s}: {intoServer}");
                    if (!intoClient.OnRequestedNode || intoClient.RequestedNode != nodeOfCore(c)) wrong.Add($"bind #{c}->#{s}, ring into #{c}: {intoClient}");
                }
            return (wrong.Count == 0, wrong.Count == 0
                ? $"{checkedRings} rings of monitor-made bindings between every ordered pair of cores, every page on its receiver's node"
                : $"{wrong.Count} of {checkedRings} rings misplaced: {string.Join("; ", wrong.Take(8))}");
        });
    }

    /// <summary>The ring was asked for its receiver's node: "monitor i->j" and "host->j" are received on core j.</summary>
    static bool AskedForReceiver(string ring, RingPlacement p, Func<int, int> nodeOfCore)
    {
        int receiver = int.Parse(ring[(ring.LastIndexOf('>') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return p.RequestedNode == nodeOfCore(receiver);
    }
}

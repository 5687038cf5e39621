using Multikernel;
using Multikernel.Monitor;

namespace NumaCheck;

/// <summary>
/// The many-core protocols really take their routes: for one TLB shootdown from each of two initiators under each
/// routing protocol (package groups), the messages every monitor sent to every other monitor (counted on the
/// monitors' rings) equal what the route prescribes: a request per hop, a forward per member of an aggregator's
/// group, an ack per member back to its aggregator, one aggregated ack per hop back to the initiator (broadcast: the
/// request goes through the initiator's broadcast buffer, so only the acks use the rings).
/// </summary>
public static class ProtocolChecks
{
    sealed class Completion(Action<ShootdownOutcome> done) : IShootdownCompletion
    {
        public void ShootdownCompleted(in ShootdownOutcome outcome) => done(outcome);
    }

    public static void Run(CheckLog log, MultikernelSystem mk)
    {
        var install = ShootdownInstallation.Install(mk, new ShootdownOptions { Grouping = RoutingGrouping.Package });
        var all = CoreSet.FirstN(mk.CoreCount);
        var cpuOf = mk.Cores.ToArray();
        foreach (var protocol in new[] { RoutingProtocol.Unicast, RoutingProtocol.Broadcast, RoutingProtocol.Multicast, RoutingProtocol.NumaAwareMulticast })
            log.Run($"shootdown-messages-{protocol}", () =>
            {
                var summary = new List<string>();
                foreach (int initiator in new[] { 0, mk.CoreCount - 1 }.Distinct())
                {
                    var tree = Routing.Build(protocol, mk.Topology, cpuOf, all, initiator, RoutingGrouping.Package);
                    var want = Expected(tree, mk.CoreCount);
                    var before = mk.MonitorMessagesSent();
                    var outcome = mk.CallOnAsync<ShootdownOutcome>(initiator, (m, done) =>
                            install.On(initiator).Protocol.Start(protocol, all, 1, 0x4000_0000, 1, new Completion(done)))
                        .WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
                    Thread.Sleep(50); // let the last ack's ring counter settle (the outcome runs on the initiator as it arrives)
                    var after = mk.MonitorMessagesSent();
                    if (outcome.CoresAcknowledged != mk.CoreCount - 1)
                        return (false, $"from #{initiator}: {outcome.CoresAcknowledged} of {mk.CoreCount - 1} cores acknowledged");
                    var diff = new List<string>();
                    for (int a = 0; a < mk.CoreCount; a++)
                        for (int b = 0; b < mk.CoreCount; b++)
                            if (after[a, b] - before[a, b] != want[a, b]) diff.Add($"#{a}->#{b}: {after[a, b] - before[a, b]} (expected {want[a, b]})");
                    if (diff.Count > 0) return (false, $"from #{initiator}, route {tree}: {string.Join("; ", diff)}");
                    long total = 0; foreach (long x in want) total += x;
                    summary.Add($"from #{initiator}: {total} ring messages, {tree.Hops.Count} first hops");
                }
                return (true, string.Join("; ", summary));
            });
    }

    /// <summary>Messages [from, to] one shootdown along <paramref name="tree"/> puts on the monitors' rings.</summary>
    public static long[,] Expected(RoutingTree tree, int cores)
    {
        var m = new long[cores, cores];
        int i = tree.Initiator;
        foreach (var h in tree.Hops)
        {
            if (!tree.ViaBroadcastBuffer) m[i, h.Core]++;   // the request (invalidate or forward)
            foreach (int f in h.Forward) { m[h.Core, f]++; m[f, h.Core]++; } // forward and its ack
            m[h.Core, i]++;                                  // the hop's (aggregated) ack
        }
        return m;
    }
}

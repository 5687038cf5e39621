using Multikernel;
using Multikernel.Monitor;
using Multikernel.Monitor.Agreement;

namespace NumaCheck;

/// <summary>
/// The many-core protocols really take their routes. The monitors' agreement carries the TLB shootdown (a 1PC that
/// invalidates a page), 1PC updates of the replicated tables and 2PC updates; for one of each from each of two
/// initiators under each routing protocol (groups = packages), the messages every monitor sent to every other monitor
/// (counted on the monitors' rings) equal what the route prescribes. One round: a request per hop, a forward per member
/// of an aggregator's group, an answer per member back to its aggregator, one aggregated answer per hop back to the
/// initiator (broadcast: the request goes through the initiator's broadcast buffer, so only the answers use the
/// rings). A 1PC is one round (apply, ack); a 2PC two (prepare, vote; decision, ack).
/// </summary>
public static class ProtocolChecks
{
    /// <summary>Placement-table row the checks toggle (no domain has such an id).</summary>
    const ulong CheckRow = 1UL << 41;

    sealed class Completion(Action<AgreementOutcome> done) : IAgreementCompletion
    {
        public void Decided(in AgreementOutcome outcome) { }
        public void Completed(in AgreementOutcome outcome) => done(outcome);
    }

    enum Kind { Shootdown, OnePhase, TwoPhase }

    public static void Run(CheckLog log, MultikernelSystem mk)
    {
        var all = CoreSet.FirstN(mk.CoreCount);
        var cpuOf = mk.Cores.ToArray();
        bool placed = false;
        foreach (var kind in new[] { Kind.Shootdown, Kind.OnePhase, Kind.TwoPhase })
            foreach (var protocol in new[] { RoutingProtocol.Unicast, RoutingProtocol.Broadcast, RoutingProtocol.Multicast, RoutingProtocol.NumaAwareMulticast })
                log.Run($"{Name(kind)}-messages-{protocol}", () =>
                {
                    var summary = new List<string>();
                    foreach (int initiator in new[] { 0, mk.CoreCount - 1 }.Distinct())
                    {
                        var tree = Routing.Build(protocol, mk.Topology, cpuOf, all, initiator, mk.Grouping);
                        var want = Expected(tree, mk.CoreCount, rounds: kind == Kind.TwoPhase ? 2 : 1);
                        var update = placed ? SystemTableUpdates.Remove(CheckRow, initiator) : SystemTableUpdates.Place(CheckRow, initiator);
                        var before = mk.MonitorMessagesSent();
                        var outcome = mk.CallOnAsync<AgreementOutcome>(initiator, (m, done) =>
                            {
                                var c = new Completion(done);
                                _ = kind switch
                                {
                                    Kind.Shootdown => m.Agreement.Coherence.Shootdown(protocol, all, 0xC4EC, 0x4000_0000, 1, c),
                                    Kind.OnePhase => m.Agreement.StartOnePhase(protocol, all, update, c),
                                    _ => m.Agreement.StartTwoPhase(protocol, all, update, c),
                                };
                            })
                            .WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
                        Thread.Sleep(50); // let the last answer's ring counter settle (the outcome runs on the initiator as it arrives)
                        var after = mk.MonitorMessagesSent();
                        if (!outcome.Committed) return (false, $"from #{initiator}: the 2PC aborted ({outcome.Reason})");
                        if (kind != Kind.Shootdown) placed = !placed;
                        if (outcome.Rounds != 1) return (false, $"from #{initiator}: took {outcome.Rounds} rounds (a retransmission: the counts cannot match)");
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

    static string Name(Kind kind) => kind switch { Kind.Shootdown => "shootdown", Kind.OnePhase => "1pc", _ => "2pc" };

    /// <summary>Messages [from, to] that <paramref name="rounds"/> rounds along <paramref name="tree"/> put on the monitors' rings.</summary>
    public static long[,] Expected(RoutingTree tree, int cores, int rounds = 1)
    {
        var m = new long[cores, cores];
        int i = tree.Initiator;
        foreach (var h in tree.Hops)
        {
            if (!tree.ViaBroadcastBuffer) m[i, h.Core] += rounds;                   // the request (apply, prepare, decision)
            foreach (int f in h.Forward) { m[h.Core, f] += rounds; m[f, h.Core] += rounds; } // forward and its answer
            m[h.Core, i] += rounds;                                                 // the hop's (aggregated) answer
        }
        return m;
    }
}

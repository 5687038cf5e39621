
namespace Multikernel.Tests;

/// <summary>
/// The 1PC and 2PC state machines when a core crashes (fail-stop: it stops answering, and is later declared faulted
/// to every live core, as the monitors' PeerFaulted does): every agreement completes, nothing is sent to a core known
/// to have faulted, a 2PC still voting aborts naming the faulted core, and every live replica agrees.
/// </summary>
public partial class AgreementProtocolTests
{
    /// <summary>8 cores in two packages of 4: from core 0, multicast serves 1..3 directly and reaches 5..7 through core 4.</summary>
    static readonly MachineTopology TwoPackages = MachineTopology.FromDescription(2, 1, 1, 4);

    /// <summary>
    /// One agreement of all 8 cores from core 0; core <paramref name="faulted"/> (6: a leaf, in the multicast routes a
    /// member of core 4's group; 4: a first hop, the multicast routes' aggregator of 5..7) crashes at
    /// <paramref name="phase"/> and is declared faulted to every live core within 30 steps (before the vote timeout):
    /// "start" before any message reached it, "prepared" once it has prepared or applied (what it sent then is lost:
    /// its vote or ack, and as an aggregator what it forwarded), "decided" once the coordinator decided (2PC) and
    /// before the decision reached it.
    /// </summary>
    [Theory]
    [MemberData(nameof(CrashCases))]
    public void AParticipantThatCrashesLeavesNoAgreementResendingForEver(bool twoPhase, RoutingProtocol protocol, int faulted, string phase)
    {
        for (int seed = 1; seed <= 20; seed++)
        {
            var (sim, replicas) = KeyValueSimulation(TwoPackages, seed, new SimulatedFaults { MaxDelay = seed % 3 == 0 ? 0 : 10 });
            var all = CoreSet.FirstN(8);
            var done = new Recorder();
            var update = Set(1, (ulong)(100 + seed));
            var tag = twoPhase ? sim.Nodes[0].StartTwoPhase(protocol, all, update, done, sim.Now) : sim.Nodes[0].StartOnePhase(protocol, all, update, done, sim.Now);
            bool reached = phase switch
            {
                "start" => true,
                "prepared" => StepUntil(sim, () => twoPhase ? replicas[faulted].Prepared.Contains(tag) : replicas[faulted].Applied.Contains(tag)),
                "decided" => StepUntil(sim, () => done.DecidedCount > 0),
                _ => throw new ArgumentException(phase),
            };
            Assert.True(reached, $"seed {seed}: the agreement finished before phase '{phase}'");
            if (phase == "decided") sim.Withhold(faulted, twoPhase ? AgreementMessages.Commit : AgreementMessages.Apply);
            if (phase == "prepared") sim.DropInFlightFrom(faulted); // its vote or ack, and what it forwarded, never went out
            bool decidedBefore = done.DecidedCount > 0;
            sim.DeclareFaultedLater(faulted, 30);
            sim.RunToQuiet();

            Assert.Equal(1, done.DecidedCount);
            Assert.Equal(1, done.CompletedCount);
            Assert.Equal(0, sim.SentToFaulted);
            var o = done.Outcome;
            if (twoPhase && !decidedBefore)
            {
                Assert.False(o.Committed, $"seed {seed}: a 2PC committed although core {faulted} crashed before it voted");
                Assert.Equal(AgreementAbortReason.ParticipantFaulted, o.Reason);
                Assert.Equal(faulted, o.FaultedCore);
                Assert.Contains($"core #{faulted}", o.ReasonText);
            }
            if (!twoPhase || phase == "decided") Assert.True(o.Committed);
            // The coordinator waits for a first hop's ack itself, so it names a faulted one as lost; a faulted group
            // member's aggregator may stop waiting for it before the coordinator is told.
            bool hop = Routing.Build(protocol, TwoPackages, sim.Cpus, all, 0, RoutingGrouping.Package).HopCores.Contains(faulted);
            if (phase != "prepared" && hop) Assert.True(o.Lost.Contains(faulted), $"seed {seed}: the outcome's lost cores {o.Lost} do not name core {faulted}");
            Assert.True(o.Lost.Except(CoreSet.Empty.With(faulted)).IsEmpty, $"seed {seed}: the outcome's lost cores {o.Lost} name a live core");
            AssertLiveReplicasAgree(sim, replicas, tag, all, o.Committed);
        }
    }

    public static TheoryData<bool, RoutingProtocol, int, string> CrashCases()
    {
        var data = new TheoryData<bool, RoutingProtocol, int, string>();
        foreach (bool twoPhase in new[] { false, true })
            foreach (var protocol in Enum.GetValues<RoutingProtocol>())
                foreach (int faulted in new[] { 6, 4 })
                    foreach (var phase in twoPhase ? new[] { "start", "prepared", "decided" } : new[] { "start", "prepared" })
                        data.Add(twoPhase, protocol, faulted, phase);
        return data;
    }

    static bool StepUntil(AgreementSimulation sim, Func<bool> condition)
    {
        while (!condition())
            if (!sim.Step()) return false;
        return true;
    }

    /// <summary>Every live participant applied <paramref name="tag"/> exactly once if it committed, none if it aborted; no live core holds a lock or a prepared or active agreement; live replicas hold equal values.</summary>
    static void AssertLiveReplicasAgree(AgreementSimulation sim, KeyValueReplica[] replicas, AgreementTag tag, CoreSet participants, bool committed)
    {
        var live = participants.Except(sim.Crashed).ToArray();
        foreach (int c in live)
        {
            Assert.Equal(committed ? 1 : 0, replicas[c].Applied.Count(t => t == tag));
            Assert.Empty(replicas[c].Locks);
            Assert.Equal(0, sim.Nodes[c].Participant.PreparedCount);
            Assert.Equal(0, sim.Nodes[c].Coordinator.Active);
        }
        string values = string.Join(",", replicas[live[0]].Values);
        foreach (int c in live) Assert.Equal(values, string.Join(",", replicas[c].Values));
    }

    /// <summary>
    /// In the multicast routes, the aggregator (core 4) crashes before the decision (or apply) reaches it: its group's
    /// members (5..7) never hear from it, so the coordinator sends them the decision directly (the re-route rule) and
    /// each acknowledges for itself; the agreement completes committed on every live core.
    /// </summary>
    [Theory]
    [InlineData(false, RoutingProtocol.Multicast)]
    [InlineData(false, RoutingProtocol.NumaAwareMulticast)]
    [InlineData(true, RoutingProtocol.Multicast)]
    [InlineData(true, RoutingProtocol.NumaAwareMulticast)]
    public void AFaultedAggregatorsGroupGetsTheDecisionFromTheCoordinatorDirectly(bool twoPhase, RoutingProtocol protocol)
    {
        var (sim, replicas) = KeyValueSimulation(TwoPackages, 7);
        var all = CoreSet.FirstN(8);
        var done = new Recorder();
        AgreementTag tag;
        if (twoPhase)
        {
            tag = sim.Nodes[0].StartTwoPhase(protocol, all, Set(2, 22), done, sim.Now);
            Assert.True(StepUntil(sim, () => done.DecidedCount > 0));
            Assert.True(done.Outcome.Committed);
            Assert.NotEmpty(sim.Withhold(4, AgreementMessages.Commit)); // core 4 crashes before it forwards the commit
        }
        else
        {
            tag = sim.Nodes[0].StartOnePhase(protocol, all, Set(2, 22), done, sim.Now);
            Assert.NotEmpty(sim.Withhold(4, AgreementMessages.Apply)); // core 4 crashes before it forwards the apply
        }
        sim.Crash(4);
        for (int i = 0; i < 500 && sim.Step(); i++) { } // the coordinator resends to core 4 only: nobody else acts
        Assert.Equal(0, done.CompletedCount);
        Assert.All(new[] { 5, 6, 7 }, c => Assert.DoesNotContain(tag, replicas[c].Applied));
        sim.DeclareFaulted(4);
        sim.RunToQuiet();
        Assert.Equal(1, done.CompletedCount);
        Assert.True(done.Outcome.Committed);
        Assert.Equal(CoreSet.Empty.With(4), done.Outcome.Lost);
        Assert.Equal(0, sim.SentToFaulted);
        AssertLiveReplicasAgree(sim, replicas, tag, all, committed: true);
    }

    /// <summary>
    /// A group member (core 6) that crashes before it votes makes its aggregator (core 4), told first, vote no for
    /// the group naming it: the coordinator, not yet told, aborts with <see cref="AgreementAbortReason.ParticipantFaulted"/>
    /// naming core 6, and the abort reaches the group's live members through the aggregator.
    /// </summary>
    [Fact]
    public void AnAggregatorToldOfAMembersFaultVotesNoNamingIt()
    {
        var (sim, replicas) = KeyValueSimulation(TwoPackages, 3);
        var all = CoreSet.FirstN(8);
        var done = new Recorder();
        var tag = sim.Nodes[0].StartTwoPhase(RoutingProtocol.Multicast, all, Set(3, 33), done, sim.Now);
        sim.Crash(6);
        sim.Nodes[4].PeerFaulted(6, sim.Now); // only the aggregator knows yet
        sim.RunToQuiet();
        Assert.Equal(1, done.CompletedCount);
        Assert.False(done.Outcome.Committed);
        Assert.Equal(AgreementAbortReason.ParticipantFaulted, done.Outcome.Reason);
        Assert.Equal(6, done.Outcome.FaultedCore);
        Assert.Equal(0, sim.SentToFaulted);
        AssertLiveReplicasAgree(sim, replicas, tag, all, committed: false);
    }

    /// <summary>
    /// Agreements started after a fault leave the faulted core out: nothing is sent to it (for the broadcast route
    /// too, whose buffer a dead reader would fill), they commit among the live cores, and the outcome names it as lost.
    /// </summary>
    [Theory]
    [InlineData(RoutingProtocol.Unicast)]
    [InlineData(RoutingProtocol.Broadcast)]
    [InlineData(RoutingProtocol.Multicast)]
    [InlineData(RoutingProtocol.NumaAwareMulticast)]
    public void AgreementsStartedAfterAFaultLeaveTheFaultedCoreOut(RoutingProtocol protocol)
    {
        var (sim, replicas) = KeyValueSimulation(TwoPackages, 11);
        var all = CoreSet.FirstN(8);
        sim.DeclareFaulted(4);
        var one = new Recorder();
        var two = new Recorder();
        var t1 = sim.Nodes[0].StartOnePhase(protocol, all, Set(100, 1), one, sim.Now);
        var t2 = sim.Nodes[5].StartTwoPhase(protocol, all, Set(4, 2), two, sim.Now);
        sim.RunToQuiet();
        Assert.Equal(0, sim.SentToFaulted);
        Assert.Equal(0, sim.LostAtCrashed);
        foreach (var (r, t) in new[] { (one, t1), (two, t2) })
        {
            Assert.Equal(1, r.CompletedCount);
            Assert.True(r.Outcome.Committed);
            Assert.Equal(CoreSet.Empty.With(4), r.Outcome.Lost);
            AssertLiveReplicasAgree(sim, replicas, t, all, committed: true);
        }
        Assert.Empty(replicas[4].Applied);
    }

    /// <summary>
    /// The coordinator crashes. 1PC: whatever it sent is applied, and the live cores quiesce (nothing waits for it). 2PC
    /// after its prepares went out: each participant stays prepared, holding its lock (classic 2PC blocks without a
    /// termination protocol, which this code does not have), sends nothing to the dead coordinator once told, and a
    /// prepare from it that arrives after the fault is ignored; a later 2PC over the same key aborts on those locks.
    /// </summary>
    [Fact]
    public void ParticipantsOfAFaultedCoordinatorApplyWhatItSentAndA2PcBlocksPrepared()
    {
        var (sim, replicas) = KeyValueSimulation(TwoPackages, 5);
        var all = CoreSet.FirstN(8);
        var one = new Recorder();
        var t1 = sim.Nodes[0].StartOnePhase(RoutingProtocol.Unicast, all, Set(100, 1), one, sim.Now);
        sim.DeclareFaulted(0);
        sim.RunToQuiet();
        Assert.All(Enumerable.Range(1, 7), c => Assert.Contains(t1, replicas[c].Applied));
        Assert.Equal(0, sim.SentToFaulted);

        (sim, replicas) = KeyValueSimulation(TwoPackages, 5);
        var two = new Recorder();
        var t2 = sim.Nodes[0].StartTwoPhase(RoutingProtocol.Unicast, all, Set(5, 5), two, sim.Now);
        var held = Assert.Single(sim.Withhold(7, AgreementMessages.Prepare)); // reaches core 7 only after the fault
        Assert.True(StepUntil(sim, () => Enumerable.Range(1, 6).All(c => replicas[c].Prepared.Contains(t2))));
        sim.DeclareFaulted(0);
        sim.RunToQuiet();
        Assert.Equal(0, sim.SentToFaulted);
        Assert.All(Enumerable.Range(1, 6), c => Assert.Equal(1, sim.Nodes[c].Participant.PreparedCount));
        sim.DeliverNow(held.From, 7, held.Message);
        Assert.Empty(replicas[7].Prepared);
        Assert.Equal(1, sim.Nodes[7].Participant.LatePreparesIgnored);
        // The blocked participants keep their locks: a later 2PC of a live coordinator over the same key is refused
        // by them (their resource's lock refusal) and aborts, and they stay prepared.
        var later = new Recorder();
        sim.Nodes[1].StartTwoPhase(RoutingProtocol.Unicast, all.Without(0), Set(5, 6), later, sim.Now);
        sim.RunToQuiet();
        Assert.Equal(1, later.CompletedCount);
        Assert.False(later.Outcome.Committed);
        Assert.Equal(RefusedLocked, later.Outcome.Refusal);
        Assert.All(Enumerable.Range(1, 6), c => Assert.Equal(1, sim.Nodes[c].Participant.PreparedCount));
    }

    /// <summary>
    /// Random trials with a crash: a random machine, routing protocol and grouping, loss and reordering, 1-4
    /// concurrent 1PCs or 2PCs from live coordinators over random participant sets, and one core (never a
    /// coordinator) crashing after a random number of steps and declared faulted to each live core at its own random
    /// time. Every agreement completes once; each is applied on every live participant or (an abort) on none; no live
    /// core holds a lock or an unfinished agreement; nothing is sent to a core after the sender was told it faulted.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 400)]
    public Property AnyCrashLeavesEveryAgreementCompleteAndTheLiveReplicasAgreeing() => Prop.ForAll(Gen.Choose(1, int.MaxValue - 1).ToArbitrary(), seed =>
    {
        var errors = RunCrashTrial(seed, out _, out _);
        return (errors.Count == 0).Label($"seed {seed}: {string.Join("; ", errors)}");
    });

    [Fact]
    public void TwoThousandCrashTrialsHaveNoPartialCommit()
    {
        var first = new List<string>();
        int faultAborts = 0, completedWithoutLost = 0;
        for (int seed = 1; seed <= 2000 && first.Count < 5; seed++)
        {
            var errors = RunCrashTrial(seed, out int aborts, out int withoutLost);
            faultAborts += aborts;
            completedWithoutLost += withoutLost;
            if (errors.Count > 0) first.Add($"seed {seed}: {string.Join("; ", errors)}");
        }
        output.WriteLine($"2000 crash trials: {faultAborts} 2PCs aborted naming the faulted core, {completedWithoutLost} agreements completed without a lost participant's ack");
        Assert.True(first.Count == 0, string.Join("\n", first));
        // The trials exercise both: aborts on the fault, and agreements that finish without the dead core's ack.
        Assert.True(faultAborts > 100, $"{faultAborts} aborts naming the faulted core");
        Assert.True(completedWithoutLost > 100, $"{completedWithoutLost} agreements completed without a lost participant");
    }

    static List<string> RunCrashTrial(int seed, out int faultAborts, out int completedWithoutLost)
    {
        faultAborts = completedWithoutLost = 0;
        var rng = new Random(seed);
        var machine = Machines[rng.Next(Machines.Length)];
        int n = machine.Cores.Count;
        var protocol = Enum.GetValues<RoutingProtocol>()[rng.Next(4)];
        var grouping = rng.Next(3) switch { 0 => RoutingGrouping.Package, 1 => RoutingGrouping.L3Domain, _ => RoutingGrouping.Fixed(2 + rng.Next(2)) };
        var faults = new SimulatedFaults { Drop = new[] { 0, 0, 0.05, 0.15 }[rng.Next(4)], MaxDelay = new[] { 0, 3, 20 }[rng.Next(3)] };
        var (sim, replicas) = KeyValueSimulation(machine, seed, faults, grouping);
        int faulted = rng.Next(n);
        bool twoPhase = rng.Next(4) != 0;
        int k = 1 + rng.Next(4);
        var txs = StartRandomAgreements(sim, rng, protocol, twoPhase, k, seed, notFrom: faulted);
        int crashAfter = rng.Next(60);
        for (int s = 0; s < crashAfter && sim.Step(); s++) { }
        if (rng.Next(2) == 0) sim.DeclareFaultedLater(faulted, rng.Next(200));
        else sim.DeclareFaulted(faulted);
        var errors = new List<string>();
        try { sim.RunToQuiet(200_000); }
        catch (InvalidOperationException e) { errors.Add(e.Message); return errors; }
        if (sim.SentToFaulted != 0) errors.Add($"{sim.SentToFaulted} messages sent to core {faulted} after the sender was told it faulted");
        foreach (var (tag, participants, done, _) in txs)
        {
            if (done.DecidedCount != 1 || done.CompletedCount != 1) { errors.Add($"{tag}: decided {done.DecidedCount}x, completed {done.CompletedCount}x"); continue; }
            var o = done.Outcome;
            if (o.Reason == AgreementAbortReason.ParticipantFaulted)
            {
                faultAborts++;
                if (o.FaultedCore != faulted) errors.Add($"{tag} aborted naming core {o.FaultedCore}, not the faulted {faulted}");
            }
            if (o.Committed && !o.Lost.IsEmpty) completedWithoutLost++;
            if (!twoPhase && !o.Committed) errors.Add($"{tag}: a 1PC did not commit");
            foreach (int p in participants.Without(faulted).ToArray())
            {
                int applied = replicas[p].Applied.Count(t => t == tag);
                if (applied != (o.Committed ? 1 : 0)) errors.Add($"{tag} {(o.Committed ? "committed" : "aborted")} ({o.ReasonText}) but applied {applied}x on live core {p}");
            }
            for (int p = 0; p < n; p++)
                if (!participants.Contains(p) && replicas[p].Applied.Contains(tag)) errors.Add($"{tag} applied on non-participant {p}");
        }
        for (int c = 0; c < n; c++)
        {
            if (c == faulted) continue;
            if (replicas[c].Locks.Count != 0) errors.Add($"live core {c} still holds {replicas[c].Locks.Count} locks");
            if (sim.Nodes[c].Participant.PreparedCount != 0) errors.Add($"live core {c} still has prepared agreements");
            if (sim.Nodes[c].Coordinator.Active != 0) errors.Add($"live core {c} still coordinates {sim.Nodes[c].Coordinator.Active} agreements");
        }
        return errors;
    }
}

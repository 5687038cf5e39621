
namespace Multikernel.Tests;

/// <summary>
/// 1PC and 2PC state machines of many cores on made-up machines, over a deterministic simulated network that drops,
/// delays and reorders messages: no agreement is ever half applied, conflicting agreements never deadlock, and a
/// message delayed past its abort is ignored.
/// </summary>
public partial class AgreementProtocolTests(ITestOutputHelper output)
{
    const byte TestTable = 9;
    const byte RefusedLocked = 1;

    /// <summary>A replicated key-value register with a lock per key: a participant's resource.</summary>
    sealed class KeyValueReplica : IAgreementResource
    {
        public readonly SortedDictionary<ulong, ulong> Values = new();
        public readonly Dictionary<ulong, AgreementTag> Locks = new();
        public readonly List<AgreementTag> Applied = new();
        public readonly List<(AgreementTag Tag, ulong Key)> AppliedKeys = new();
        public readonly List<AgreementTag> Prepared = new();

        public byte Prepare(AgreementTag tag, in AgreementUpdate u)
        {
            if (Locks.TryGetValue(u.Key, out var holder)) return holder == tag ? throw new InvalidOperationException($"{tag} prepared twice") : RefusedLocked;
            Locks[u.Key] = tag;
            Prepared.Add(tag);
            return 0;
        }

        public void Commit(AgreementTag tag, in AgreementUpdate u)
        {
            if (!Locks.TryGetValue(u.Key, out var holder) || holder != tag) throw new InvalidOperationException($"{tag} committed without its lock");
            Locks.Remove(u.Key);
            Values[u.Key] = u.Value;
            Applied.Add(tag);
            AppliedKeys.Add((tag, u.Key));
        }

        public void Abort(AgreementTag tag, in AgreementUpdate u)
        {
            if (!Locks.TryGetValue(u.Key, out var holder) || holder != tag) throw new InvalidOperationException($"{tag} aborted without its lock");
            Locks.Remove(u.Key);
        }

        public void Apply(AgreementTag tag, in AgreementUpdate u)
        {
            Values[u.Key] = u.Value;
            Applied.Add(tag);
        }

        public void Answered(AgreementTag tag) { }
    }

    sealed class Recorder : IAgreementCompletion
    {
        public int DecidedCount, CompletedCount;
        public AgreementOutcome Outcome;
        public Action<AgreementOutcome>? OnCompleted;
        public void Decided(in AgreementOutcome o) { DecidedCount++; Outcome = o; }
        public void Completed(in AgreementOutcome o) { CompletedCount++; Outcome = o; OnCompleted?.Invoke(o); }
    }

    static readonly MachineTopology[] Machines =
    [
        MachineTopology.FromDescription(2, 1, 1, 2),
        MachineTopology.FromDescription(2, 1, 1, 4),
        MachineTopology.FromDescription(4, 1, 1, 3),
        MachineTopology.FromDescription(2, 2, 1, 3),
    ];

    static readonly AgreementOptions SimOptions = new() { VoteTimeout = 120, RetransmitInterval = 60 };

    /// <summary>A simulation of <paramref name="machine"/> with a key-value replica on every core, built with <see cref="SimOptions"/> (by package unless <paramref name="grouping"/> says otherwise).</summary>
    static (AgreementSimulation Sim, KeyValueReplica[] Replicas) KeyValueSimulation(MachineTopology machine, int seed, SimulatedFaults? faults = null, RoutingGrouping? grouping = null)
    {
        var sim = new AgreementSimulation(machine, seed, faults);
        var replicas = Enumerable.Range(0, machine.Cores.Count).Select(_ => new KeyValueReplica()).ToArray();
        sim.Build(c => replicas[c], grouping ?? RoutingGrouping.Package, SimOptions);
        return (sim, replicas);
    }

    static AgreementUpdate Set(ulong key, ulong value) => new(TestTable, 1, 0, key, value);

    /// <summary>
    /// Starts <paramref name="count"/> agreements from random coordinators (any core but <paramref name="notFrom"/>;
    /// -1: any) over random participant sets: 2PCs over three shared keys, or 1PCs each on a key of its coordinator's
    /// own (1PC needs a single writer per key).
    /// </summary>
    static List<(AgreementTag Tag, CoreSet Participants, Recorder Done, int Coordinator)> StartRandomAgreements(
        AgreementSimulation sim, Random rng, RoutingProtocol protocol, bool twoPhase, int count, int seed, int notFrom = -1)
    {
        int n = sim.Nodes.Length;
        var txs = new List<(AgreementTag Tag, CoreSet Participants, Recorder Done, int Coordinator)>();
        for (int i = 0; i < count; i++)
        {
            int coordinator = notFrom < 0 ? rng.Next(n) : rng.Next(n - 1);
            if (notFrom >= 0 && coordinator >= notFrom) coordinator++;
            var participants = CoreSet.Of(Enumerable.Range(0, n).Where(_ => rng.Next(3) != 0));
            ulong key = twoPhase ? (ulong)rng.Next(3) : 100 + (ulong)(coordinator * 10 + i);
            var done = new Recorder();
            var update = Set(key, (ulong)(seed * 10 + i));
            var tag = twoPhase ? sim.Nodes[coordinator].StartTwoPhase(protocol, participants, update, done, sim.Now)
                : sim.Nodes[coordinator].StartOnePhase(protocol, participants, update, done, sim.Now);
            txs.Add((tag, participants, done, coordinator));
        }
        return txs;
    }

    sealed record Trial(int Transactions, int Committed, int TimedOut, int VotedNo, int Partial, long LatePrepares, List<string> Errors);

    /// <summary>
    /// One random trial: a machine, a routing protocol, faults, and 1-4 concurrent 2PCs (or 1PCs) over random
    /// participant sets and three keys, run until quiet. Counts partial commits: a committed agreement some
    /// participant did not apply, or an aborted one some participant applied.
    /// </summary>
    static Trial RunTrial(int seed)
    {
        var rng = new Random(seed);
        var machine = Machines[rng.Next(Machines.Length)];
        int n = machine.Cores.Count;
        var protocol = Enum.GetValues<RoutingProtocol>()[rng.Next(4)];
        var grouping = rng.Next(3) switch { 0 => RoutingGrouping.Package, 1 => RoutingGrouping.L3Domain, _ => RoutingGrouping.Fixed(2 + rng.Next(2)) };
        var faults = new SimulatedFaults
        {
            Drop = new[] { 0, 0, 0.02, 0.1, 0.25 }[rng.Next(5)],
            MaxDelay = new[] { 0, 3, 20, 90 }[rng.Next(4)],
            SlowCore = rng.Next(4) == 0 ? rng.Next(n) : -1,
            SlowBy = 200 + rng.Next(200), // past the vote timeout
        };
        var (sim, replicas) = KeyValueSimulation(machine, seed, faults, grouping);
        bool twoPhase = rng.Next(5) != 0;
        int k = 1 + rng.Next(4);
        var txs = StartRandomAgreements(sim, rng, protocol, twoPhase, k, seed);
        sim.RunToQuiet();

        var errors = new List<string>();
        int committed = 0, timedOut = 0, votedNo = 0, partial = 0;
        foreach (var (tag, participants, done, coordinator) in txs)
        {
            if (done.DecidedCount != 1 || done.CompletedCount != 1) { errors.Add($"{tag}: decided {done.DecidedCount}x, completed {done.CompletedCount}x"); continue; }
            var o = done.Outcome;
            if (o.Committed) committed++;
            else if (o.Reason == AgreementAbortReason.Timeout) timedOut++;
            else votedNo++;
            int applied = participants.ToArray().Count(p => replicas[p].Applied.Contains(tag));
            int appliedElsewhere = Enumerable.Range(0, n).Count(p => !participants.Contains(p) && replicas[p].Applied.Contains(tag));
            if ((o.Committed && applied != participants.Count) || (!o.Committed && applied != 0) || appliedElsewhere != 0)
            {
                partial++;
                errors.Add($"{tag} {(o.Committed ? "committed" : "aborted")} but applied on {applied} of {participants.Count} participants");
            }
            if (participants.ToArray().Any(p => replicas[p].Applied.Count(t => t == tag) > 1)) errors.Add($"{tag} applied twice somewhere");
        }
        for (int c = 0; c < n; c++)
        {
            if (replicas[c].Locks.Count != 0) errors.Add($"core {c} still holds {replicas[c].Locks.Count} locks");
            if (sim.Nodes[c].Participant.PreparedCount != 0) errors.Add($"core {c} still has prepared agreements");
            if (sim.Nodes[c].Coordinator.Active != 0) errors.Add($"core {c} still coordinates {sim.Nodes[c].Coordinator.Active} agreements");
        }
        // Conflicting committed agreements (same key) are applied in one order on every core they share.
        for (int a = 0; a < replicas.Length && twoPhase; a++)
            for (int b = a + 1; b < replicas.Length; b++)
                for (ulong key = 0; key < 3; key++)
                {
                    var onA = replicas[a].AppliedKeys.Where(x => x.Key == key).Select(x => x.Tag).ToList();
                    var onB = replicas[b].AppliedKeys.Where(x => x.Key == key).Select(x => x.Tag).ToList();
                    var common = onA.Intersect(onB).ToHashSet();
                    if (!onA.Where(common.Contains).SequenceEqual(onB.Where(common.Contains)))
                        errors.Add($"cores {a} and {b} applied conflicting agreements on key {key} in different orders");
                }
        long late = sim.Nodes.Sum(x => x.Participant.LatePreparesIgnored);
        return new Trial(k, committed, timedOut, votedNo, partial, late, errors);
    }

    [Fact]
    public void TenThousandRandomTrialsUnderDropDelayAndReorderHaveNoPartialCommit()
    {
        int trials = 10_000, partial = 0, committed = 0, timedOut = 0, votedNo = 0, total = 0;
        long late = 0;
        var firstErrors = new List<string>();
        for (int seed = 1; seed <= trials; seed++)
        {
            var t = RunTrial(seed);
            partial += t.Partial;
            committed += t.Committed;
            timedOut += t.TimedOut;
            votedNo += t.VotedNo;
            total += t.Transactions;
            late += t.LatePrepares;
            if (t.Errors.Count > 0 && firstErrors.Count < 5) firstErrors.Add($"seed {seed}: {string.Join("; ", t.Errors)}");
        }
        output.WriteLine($"{trials} trials, {total} agreements: {committed} committed, {votedNo} aborted on a no vote, {timedOut} aborted on a timeout, {late} late prepares ignored, {partial} partial commits");
        Assert.True(firstErrors.Count == 0, string.Join("\n", firstErrors));
        Assert.Equal(0, partial);
        // The trials exercise every outcome: commits, aborts on a no vote, aborts on a timeout, and late prepares ignored.
        Assert.True(committed > total / 4, $"{committed} of {total} committed");
        Assert.True(votedNo > 100, $"{votedNo} aborted on a no vote");
        Assert.True(timedOut > 100, $"{timedOut} aborted on a timeout");
        Assert.True(late > 10, $"{late} late prepares ignored");
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property AnyTrialLeavesNothingHalfAppliedOrLocked() => Prop.ForAll(Gen.Choose(10_001, int.MaxValue - 1).ToArbitrary(), seed =>
    {
        var t = RunTrial(seed);
        return (t.Errors.Count == 0).Label(string.Join("; ", t.Errors));
    });

    [Fact]
    public void TwoConflictingAgreementsNeverBothCommitAndRetriesFinishBoth()
    {
        var machine = MachineTopology.FromDescription(2, 1, 1, 4);
        for (int seed = 1; seed <= 300; seed++)
        {
            var (sim, replicas) = KeyValueSimulation(machine, seed, new SimulatedFaults { MaxDelay = 10 });
            var all = CoreSet.FirstN(8);
            int bothCommittedFirstTry = 0, attempts = 0;
            var first = new List<bool>();
            var finalTags = new List<AgreementTag>();
            void Start(int core, ulong value, int attempt)
            {
                attempts++;
                var r = new Recorder();
                r.OnCompleted = o =>
                {
                    if (attempt == 0) first.Add(o.Committed);
                    if (o.Committed) { finalTags.Add(o.Tag); return; }
                    Assert.Equal(AgreementAbortReason.VotedNo, o.Reason);
                    Assert.Equal(RefusedLocked, o.Refusal);
                    Assert.True(attempt < 50, "no progress after 50 retries");
                    // Back off a random number of steps, then retry: the simulation delivers a no-op message at that time.
                    long at = sim.Now + 1 + sim.Random.Next(40);
                    sim.Schedule(at, () => Start(core, value, attempt + 1));
                };
                sim.Nodes[core].StartTwoPhase(RoutingProtocol.NumaAwareMulticast, all, Set(7, value), r, sim.Now);
            }
            Start(1, 111, 0);
            Start(6, 666, 0);
            sim.RunToQuiet();
            if (first.Count == 2 && first.All(c => c)) bothCommittedFirstTry++;
            Assert.Equal(0, bothCommittedFirstTry);
            Assert.Equal(2, finalTags.Count); // both finished, one after the other
            ulong v = replicas[0].Values[7];
            Assert.All(replicas, r => Assert.Equal(v, r.Values[7]));
            Assert.All(replicas, r => Assert.Empty(r.Locks));
        }
    }

    [Fact]
    public void AParticipantThatDoesNotVoteInTimeMakesTheCoordinatorAbortAndItsLatePrepareIsIgnored()
    {
        var machine = MachineTopology.FromDescription(1, 1, 1, 4);
        var (sim, replicas) = KeyValueSimulation(machine, 5);
        var done = new Recorder();
        var tag = sim.Nodes[0].StartTwoPhase(RoutingProtocol.Unicast, CoreSet.FirstN(4), Set(1, 42), done, sim.Now);
        var held = Assert.Single(sim.Withhold(3, AgreementMessages.Prepare)); // core 3 never hears in time
        sim.RunToQuiet();
        Assert.Equal(1, done.CompletedCount);
        Assert.False(done.Outcome.Committed);
        Assert.Equal(AgreementAbortReason.Timeout, done.Outcome.Reason);
        Assert.All(replicas, r => Assert.Empty(r.Applied));
        Assert.All(replicas, r => Assert.Empty(r.Locks));
        // The prepare finally arrives after core 3 saw the abort: ignored, nothing locked.
        sim.DeliverNow(held.From, 3, held.Message);
        Assert.Equal(1, sim.Nodes[3].Participant.LatePreparesIgnored);
        Assert.Empty(replicas[3].Prepared);
        Assert.Empty(replicas[3].Locks);
        sim.RunToQuiet();
        Assert.Equal(0, sim.InFlightCount);
    }

    [Fact]
    public void ALostDecisionIsResentUntilEveryParticipantAcknowledged()
    {
        var machine = MachineTopology.FromDescription(2, 1, 1, 4);
        var (sim, replicas) = KeyValueSimulation(machine, 9);
        var done = new Recorder();
        sim.Nodes[0].StartTwoPhase(RoutingProtocol.Multicast, CoreSet.FirstN(8), Set(3, 9), done, sim.Now);
        while (sim.Nodes[0].Coordinator.Committed == 0) Assert.True(sim.Step());
        Assert.Equal(1, done.DecidedCount);
        Assert.NotEmpty(sim.Withhold(4, AgreementMessages.Commit)); // the other package's aggregator loses the commit
        Assert.NotEmpty(replicas[5].Locks); // its group is still prepared
        sim.RunToQuiet();
        Assert.Equal(1, done.CompletedCount);
        Assert.True(done.Outcome.Rounds >= 2);
        Assert.All(replicas, r => Assert.Equal(9UL, r.Values[3]));
        Assert.All(replicas, r => Assert.Empty(r.Locks));
    }

    [Fact]
    public void MulticastCutsTheCoordinatorsMessagesOnThePapersMachine()
    {
        var machine = MachineTopology.FromDescription(8, 1, 1, 4);
        foreach (var (protocol, coordinatorMessages) in new[] { (RoutingProtocol.Unicast, 4 * 31), (RoutingProtocol.NumaAwareMulticast, 4 * 10) })
        {
            var (sim, replicas) = KeyValueSimulation(machine, 1);
            var done = new Recorder();
            sim.Nodes[0].StartTwoPhase(protocol, CoreSet.FirstN(32), Set(1, 1), done, sim.Now);
            sim.RunToQuiet();
            Assert.True(done.Outcome.Committed);
            Assert.Equal(4 * 31, sim.Delivered); // prepare, vote, commit, ack per remote core, whatever the tree
            var hops = Routing.Build(protocol, machine, sim.Cpus, CoreSet.FirstN(32), 0, RoutingGrouping.Package).Hops.Count;
            Assert.Equal(coordinatorMessages, 4 * hops);
        }
    }

    /// <summary>A resource that records, at each 1PC apply, how many messages its core had sent and not yet had delivered.</summary>
    sealed class SendsBeforeApply(AgreementSimulation sim, int core) : IAgreementResource
    {
        public int? InFlightAtApply;
        public byte Prepare(AgreementTag tag, in AgreementUpdate update) => 0;
        public void Commit(AgreementTag tag, in AgreementUpdate update) { }
        public void Abort(AgreementTag tag, in AgreementUpdate update) { }
        public void Apply(AgreementTag tag, in AgreementUpdate update) => InFlightAtApply = sim.InFlightFrom(core);
        public void Answered(AgreementTag tag) { }
    }

    /// <summary>
    /// In a 1PC (a TLB shootdown) the coordinator sends the apply along the route before it applies locally, and an
    /// aggregator forwards to its group before it applies, so the cores further down apply while these do; a core
    /// forwarding to nobody acks only after its apply.
    /// </summary>
    [Theory]
    [InlineData(RoutingProtocol.Unicast)]
    [InlineData(RoutingProtocol.NumaAwareMulticast)]
    public void OnePhaseSendsBeforeItAppliesSoTheOtherCoresApplyMeanwhile(RoutingProtocol protocol)
    {
        var machine = MachineTopology.FromDescription(4, 1, 1, 4);
        var sim = new AgreementSimulation(machine, 5);
        var resources = Enumerable.Range(0, machine.Cores.Count).Select(c => new SendsBeforeApply(sim, c)).ToArray();
        sim.Build(c => resources[c], RoutingGrouping.Package, SimOptions);
        var all = CoreSet.FirstN(machine.Cores.Count);
        var route = Routing.Build(protocol, machine, sim.Cpus, all, 0, RoutingGrouping.Package);
        var done = new Recorder();
        sim.Nodes[0].StartOnePhase(protocol, all, Set(1, 1), done, sim.Now);
        Assert.Equal(route.Hops.Count, resources[0].InFlightAtApply);
        sim.RunToQuiet();
        Assert.Equal(1, done.CompletedCount);
        int aggregators = 0;
        for (int c = 1; c < resources.Length; c++)
        {
            Assert.Equal(route.ForwardOf(c).Length, resources[c].InFlightAtApply);
            if (route.ForwardOf(c).Length > 0) aggregators++;
        }
        Assert.Equal(protocol == RoutingProtocol.Unicast ? 0 : 3, aggregators);
    }

    [Fact]
    public void ParticipantsForgetFinishedAgreementsUnderOnePhaseTrafficToo()
    {
        var machine = MachineTopology.FromDescription(2, 1, 1, 4);
        var (sim, replicas) = KeyValueSimulation(machine, 3, new SimulatedFaults { MaxDelay = 5 });
        for (int i = 0; i < 2000; i++)
        {
            sim.Nodes[i % 2].StartOnePhase(RoutingProtocol.Multicast, CoreSet.FirstN(8), Set(500 + (ulong)(i % 2), (ulong)i), new Recorder(), sim.Now);
            if (i % 4 == 3) sim.RunToQuiet();
        }
        sim.RunToQuiet();
        Assert.All(sim.Nodes, n => Assert.True(n.Participant.Remembered < 50, $"core {n.Core} remembers {n.Participant.Remembered} agreements"));
        Assert.All(replicas, r => Assert.Equal(2000, r.Applied.Count));
    }

    /// <summary>
    /// The replicated domain-placement table on every core's <see cref="MonitorReplica"/>: each core changes the rows of
    /// its own domains by 1PC (one update at a time per row, as a home core would), and all cores race 2PC updates on
    /// shared rows, under message loss and reordering. Afterwards every replica is equal, and the 1PC rows are what
    /// their writers last set.
    /// </summary>
    [Fact]
    public void ReplicatedDomainTableIsEqualOnEveryCoreAfterRacingAgreements()
    {
        var machine = MachineTopology.FromDescription(2, 1, 1, 4);
        int committed2 = 0, aborted2 = 0;
        for (int seed = 1; seed <= 40; seed++)
        {
            var sim = new AgreementSimulation(machine, seed, new SimulatedFaults { Drop = 0.05, MaxDelay = 30 });
            var replicas = Enumerable.Range(0, 8).Select(c => new MonitorReplica(c)).ToArray();
            sim.Build(c => replicas[c], RoutingGrouping.Package, new AgreementOptions { VoteTimeout = 400, RetransmitInterval = 150 });
            var all = CoreSet.FirstN(8);
            var expected = new Dictionary<(ulong Domain, int Core), bool>();
            for (int c = 0; c < 8; c++)
            {
                int core = c, left = 12;
                var rng = new Random(seed * 100 + c);
                void Next()
                {
                    if (left-- == 0) return;
                    ulong domain = (ulong)(core * 10 + rng.Next(3));
                    int where = rng.Next(8);
                    bool place = rng.Next(3) != 0;
                    expected[(domain, where)] = place;
                    var r = new Recorder { OnCompleted = _ => sim.Schedule(sim.Now + rng.Next(20), Next) };
                    sim.Nodes[core].StartOnePhase(RoutingProtocol.NumaAwareMulticast, all,
                        place ? SystemTableUpdates.Place(domain, where) : SystemTableUpdates.Remove(domain, where), r, sim.Now);
                }
                Next();
                for (int k = 0; k < 4; k++) // 2PC on shared rows 1000..1003
                {
                    ulong domain = 1000 + (ulong)rng.Next(4);
                    var u = rng.Next(2) == 0 ? SystemTableUpdates.Place(domain, rng.Next(8)) : SystemTableUpdates.Remove(domain, rng.Next(8));
                    var r = new Recorder { OnCompleted = o => { if (o.Committed) committed2++; else aborted2++; } };
                    sim.Schedule(rng.Next(3000), () => sim.Nodes[core].StartTwoPhase(RoutingProtocol.Multicast, all, u, r, sim.Now));
                }
            }
            sim.RunToQuiet();
            string table = replicas[0].Domains.Describe();
            Assert.All(replicas, r => Assert.Equal(table, r.Domains.Describe()));
            Assert.All(replicas, r => Assert.Equal(0, r.LocksHeld));
            foreach (var ((domain, where), placed) in expected)
                Assert.Equal(placed, replicas[0].Domains.CoresOf(domain).Contains(where));
        }
        output.WriteLine($"{committed2} racing 2PCs committed, {aborted2} aborted; every replica equal");
        Assert.True(committed2 > 150 && aborted2 > 30, $"{committed2} racing 2PCs committed, {aborted2} aborted");
    }

    [Fact]
    public void MessagesRoundTripThroughTheirWords()
    {
        var header = new AgreementHeader(new AgreementTag(191, AgreementTag.MaxSequence), 255, RoutingProtocol.NumaAwareMulticast);
        Assert.Equal(header, AgreementHeader.Unpack(header.Pack()));
        var set = CoreSet.Of([0, 63, 64, 191]);
        var update = new AgreementUpdate(2, 4, AgreementUpdate.MaxArgument, ulong.MaxValue, 12345);
        Assert.True(MessageRoundTripTests.RoundTrips(new AgreementMessages.Request(AgreementMessages.Prepare, header, set, update)));
        Assert.True(MessageRoundTripTests.RoundTrips(new AgreementMessages.Request(AgreementMessages.Apply, header, set, update)));
        Assert.True(MessageRoundTripTests.RoundTrips(new AgreementMessages.Decision(false, header, set, 77)));
        Assert.True(MessageRoundTripTests.RoundTrips(new AgreementMessages.Decision(true, header, set, ulong.MaxValue)));
        Assert.True(MessageRoundTripTests.RoundTrips(new AgreementMessages.Reply(AgreementMessages.Vote, header, 3, 9)));
        Assert.True(MessageRoundTripTests.RoundTrips(new AgreementMessages.Reply(AgreementMessages.Ack, header, 0, 191)));
        Assert.True(MessageRoundTripTests.RoundTrips(new AgreementMessages.Reply(AgreementMessages.Vote, header, AgreementMessages.RefusalFaulted, 191, 190)));
    }
}

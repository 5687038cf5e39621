
namespace Multikernel.Tests;

/// <summary>
/// Single cases the random trials pass through too rarely to notice a slip: a duplicated vote, a retransmission
/// round, an aggregator's last missing ack lost to a fault, a refusal code passed on by an aggregator. Each runs one
/// agreement on a network without random loss or delay, so it takes the same path every time. Then a replica's lock
/// ranges and domain rows, driven directly.
/// </summary>
public partial class AgreementProtocolTests
{
    /// <summary>
    /// Votes count once per answering core, at the coordinator (unicast: cores 1..7 answer it) and at an aggregator
    /// (multicast: core 4 answers for 5..7): core 5's yes vote arrives twice and core 7's no vote (its key is locked)
    /// never arrives, so the agreement must abort on the vote timeout; a counted duplicate would stand in for core 7
    /// and commit an update core 7 refused.
    /// </summary>
    [Theory]
    [InlineData(RoutingProtocol.Unicast)]
    [InlineData(RoutingProtocol.Multicast)]
    public void ADuplicatedYesVoteDoesNotStandInForAMissingOne(RoutingProtocol protocol)
    {
        var faults = new SimulatedFaults
        {
            DuplicateWhen = (from, _, m) => from == 5 && m.Type == AgreementMessages.Vote,
            DropWhen = (from, _, m) => from == 7 && m.Type == AgreementMessages.Vote,
        };
        var (sim, replicas) = KeyValueSimulation(TwoPackages, 1, faults);
        var other = new AgreementTag(3, 99);
        replicas[7].Locks[1] = other; // a prepared update of another agreement holds the key on core 7
        var done = new Recorder();
        var tag = sim.Nodes[0].StartTwoPhase(protocol, CoreSet.FirstN(8), Set(1, 42), done, sim.Now);
        sim.RunToQuiet();
        Assert.Equal(1, done.CompletedCount);
        Assert.False(done.Outcome.Committed, "committed although core 7 never voted yes");
        Assert.Equal(AgreementAbortReason.Timeout, done.Outcome.Reason);
        Assert.All(replicas, r => Assert.DoesNotContain(tag, r.Applied));
        Assert.All(replicas.Take(7), r => Assert.Empty(r.Locks));
        Assert.Equal(other, Assert.Single(replicas[7].Locks).Value);
    }

    /// <summary>
    /// A retransmission round resends the decision to every first hop still silent: the commit to cores 2 and 3 is
    /// lost, and one round later both have it (the outcome takes 2 rounds, not one per silent core).
    /// </summary>
    [Fact]
    public void AResentDecisionGoesToEverySilentCoreInOneRound()
    {
        var (sim, replicas) = KeyValueSimulation(MachineTopology.FromDescription(1, 1, 1, 4), 4);
        var done = new Recorder();
        sim.Nodes[0].StartTwoPhase(RoutingProtocol.Unicast, CoreSet.FirstN(4), Set(2, 7), done, sim.Now);
        Assert.True(StepUntil(sim, () => done.DecidedCount > 0));
        Assert.True(done.Outcome.Committed);
        Assert.NotEmpty(sim.Withhold(2, AgreementMessages.Commit));
        Assert.NotEmpty(sim.Withhold(3, AgreementMessages.Commit));
        sim.RunToQuiet();
        Assert.Equal(1, done.CompletedCount);
        Assert.Equal(2, done.Outcome.Rounds);
        Assert.All(replicas, r => Assert.Equal(7UL, r.Values[2]));
        Assert.All(replicas, r => Assert.Empty(r.Locks));
    }

    /// <summary>
    /// An aggregator (core 4, for 5..7 in the multicast route from core 0) whose last missing ack is that of a member
    /// that faulted (core 6: it applied, its ack was lost) acknowledges for its group as soon as it is told of the
    /// fault: the agreement completes in its first round, without waiting for the coordinator's retransmission.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnAggregatorWhoseLastMissingAckIsAFaultedMembersAcksAtTheFault(bool twoPhase)
    {
        var (sim, replicas) = KeyValueSimulation(TwoPackages, 2, new SimulatedFaults
        {
            DropWhen = (from, _, m) => from == 6 && m.Type == AgreementMessages.Ack,
        });
        var all = CoreSet.FirstN(8);
        var done = new Recorder();
        var update = Set(6, 60);
        var tag = twoPhase ? sim.Nodes[0].StartTwoPhase(RoutingProtocol.Multicast, all, update, done, sim.Now)
            : sim.Nodes[0].StartOnePhase(RoutingProtocol.Multicast, all, update, done, sim.Now);
        Assert.True(StepUntil(sim, () => replicas[6].Applied.Contains(tag)));
        sim.Crash(6);
        while (sim.InFlightCount > 0) Assert.True(sim.Step()); // every other ack is in: core 4 waits for core 6 only
        Assert.Equal(0, done.CompletedCount);
        sim.DeclareFaulted(6);
        sim.RunToQuiet();
        Assert.Equal(1, done.CompletedCount);
        Assert.True(done.Outcome.Committed);
        Assert.Equal(1, done.Outcome.Rounds);
        Assert.Equal(0, sim.SentToFaulted);
        AssertLiveReplicasAgree(sim, replicas, tag, all, committed: true);
    }

    /// <summary>A resource that refuses every prepare with <paramref name="code"/>.</summary>
    sealed class Refusing(byte code) : IAgreementResource
    {
        public byte Prepare(AgreementTag tag, in AgreementUpdate update) => code;
        public void Commit(AgreementTag tag, in AgreementUpdate update) => throw new InvalidOperationException($"{tag} committed on a core that refused it");
        public void Abort(AgreementTag tag, in AgreementUpdate update) => throw new InvalidOperationException($"{tag} aborted on a core that never prepared it");
        public void Apply(AgreementTag tag, in AgreementUpdate update) { }
        public void Answered(AgreementTag tag) { }
    }

    /// <summary>
    /// A participant's refusal code reaches the outcome unchanged, directly (unicast) and through its group's
    /// aggregator (multicast: core 6's no vote goes to core 4), since callers report it (a capability operation's
    /// <see cref="CapError"/>).
    /// </summary>
    [Theory]
    [InlineData(RoutingProtocol.Unicast)]
    [InlineData(RoutingProtocol.Multicast)]
    public void AParticipantsRefusalCodeReachesTheOutcomeThroughItsAggregator(RoutingProtocol protocol)
    {
        var sim = new AgreementSimulation(TwoPackages, 1);
        var replicas = Enumerable.Range(0, 8).Select(_ => new KeyValueReplica()).ToArray();
        sim.Build(c => c == 6 ? new Refusing(7) : replicas[c], RoutingGrouping.Package, SimOptions);
        var done = new Recorder();
        var tag = sim.Nodes[0].StartTwoPhase(protocol, CoreSet.FirstN(8), Set(1, 1), done, sim.Now);
        sim.RunToQuiet();
        Assert.Equal(1, done.CompletedCount);
        Assert.False(done.Outcome.Committed);
        Assert.Equal(AgreementAbortReason.VotedNo, done.Outcome.Reason);
        Assert.Equal(7, done.Outcome.Refusal);
        Assert.All(replicas, r => Assert.DoesNotContain(tag, r.Applied));
        Assert.All(replicas, r => Assert.Empty(r.Locks));
    }

    /// <summary>
    /// A replica's prepare is refused (<see cref="CapError.Locked"/>) exactly when its lock range overlaps a held lock of
    /// the same table: a domain row locks its key, a root-table insert its entry, a space's release all 512 entries of
    /// the space. Adjacent keys and equal numbers in another table do not conflict; a lock goes with its decision.
    /// </summary>
    [Fact]
    public void AReplicaRefusesAPrepareExactlyWhenItsRangeOverlapsAHeldLockOfTheSameTable()
    {
        var r = new MonitorReplica(0);
        const byte locked = (byte)CapError.Locked;
        ulong seq = 0;
        AgreementTag Next() => new(1, ++seq);
        var domain5 = Next();
        Assert.Equal(0, r.Prepare(domain5, SystemTableUpdates.Place(5, 1)));
        Assert.Equal(locked, r.Prepare(Next(), SystemTableUpdates.Remove(5, 2)));
        Assert.Equal(0, r.Prepare(Next(), SystemTableUpdates.Place(4, 1))); // the key before
        Assert.Equal(0, r.Prepare(Next(), SystemTableUpdates.Place(6, 1))); // the key after
        var insert = Next();
        Assert.Equal(0, r.Prepare(insert, SystemTableUpdates.InsertRoot(0, 5, 0x1000, 0))); // entry 5 of space 0: another table
        Assert.Equal(locked, r.Prepare(Next(), SystemTableUpdates.Release(0, 2))); // the release covers entry 5
        Assert.Equal(locked, r.Prepare(Next(), SystemTableUpdates.InsertRoot(0, 5, 0x2000, 2)));
        Assert.Equal(0, r.Prepare(Next(), SystemTableUpdates.InsertRoot(0, 4, 0x2000, 2)));
        var release1 = Next();
        Assert.Equal(0, r.Prepare(release1, SystemTableUpdates.Release(1, 2))); // space 1: entries 512..1023
        Assert.Equal(locked, r.Prepare(Next(), SystemTableUpdates.InsertRoot(1, 511, 0x3000, 2)));
        Assert.Equal(0, r.Prepare(Next(), SystemTableUpdates.InsertRoot(2, 0, 0x3000, 2))); // space 2 starts after it
        r.Abort(domain5, SystemTableUpdates.Place(5, 1));
        Assert.Equal(0, r.Prepare(Next(), SystemTableUpdates.Remove(5, 2)));
        r.Commit(insert, SystemTableUpdates.InsertRoot(0, 5, 0x1000, 0)); // unlocked, and the entry now holds a table
        Assert.Equal((byte)CapError.VNodeSlotInUse, r.Prepare(Next(), SystemTableUpdates.InsertRoot(0, 5, 0x2000, 2)));
    }

    /// <summary>A domain-placement row goes when its last core is removed: the table holds rows of placed domains only.</summary>
    [Fact]
    public void ADomainRowGoesWithItsLastCore()
    {
        var r = new MonitorReplica(0);
        r.Apply(new AgreementTag(1, 1), SystemTableUpdates.Place(7, 1));
        r.Apply(new AgreementTag(1, 2), SystemTableUpdates.Place(7, 2));
        r.Apply(new AgreementTag(1, 3), SystemTableUpdates.Remove(7, 1));
        Assert.Equal(1, r.Domains.Count);
        Assert.Equal(CoreSet.Empty.With(2), r.Domains.CoresOf(7));
        r.Apply(new AgreementTag(1, 4), SystemTableUpdates.Remove(7, 2));
        Assert.Equal(0, r.Domains.Count);
        Assert.Equal("", r.Domains.Describe());
    }
}

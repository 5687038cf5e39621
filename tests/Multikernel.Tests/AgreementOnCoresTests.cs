
namespace Multikernel.Tests;

/// <summary>
/// 1PC and 2PC hosted by the monitors of a booted multikernel (every allowed core), over their real URPC bindings and
/// broadcast buffers, with faults injected through a wrapper of each core's agreement transport: the replicated tables
/// are equal on every core after any interleaving, a silent participant makes the coordinator abort with nothing
/// applied, and two conflicting 2PCs started at once never both commit.
/// </summary>
public sealed class AgreementOnCoresTests(ITestOutputHelper output)
{
    static T Wait<T>(Task<T> t)
    {
        Assert.True(t.Wait(TimeSpan.FromSeconds(120)), "timed out waiting for the cores");
        return t.Result;
    }

    /// <summary>Short timeouts (in this machine's cycles) so that lost messages turn into aborts and retransmissions quickly.</summary>
    static AgreementOptions Fast(double voteMs = 20, double retransmitMs = 5) => new()
    {
        VoteTimeout = (long)CycleClock.FromNanoseconds(voteMs * 1e6),
        RetransmitInterval = (long)CycleClock.FromNanoseconds(retransmitMs * 1e6),
    };

    /// <summary>Drops messages on their way out of one core: each with probability <see cref="Loss"/>, and every one <see cref="DropIf"/> picks.</summary>
    sealed class FaultyTransport(IAgreementTransport real, int seed) : IAgreementTransport
    {
        readonly Random _rng = new(seed); // used only on this transport's core
        public double Loss;
        public Func<UrpcMessage, bool>? DropIf;
        public long Dropped;

        bool Drop(in UrpcMessage m)
        {
            if ((DropIf != null && DropIf(m)) || (Loss > 0 && _rng.NextDouble() < Loss)) { Interlocked.Increment(ref Dropped); return true; }
            return false;
        }

        public void Send(int to, in UrpcMessage message) { if (!Drop(message)) real.Send(to, message); }
        public void Broadcast(in UrpcMessage message) { if (!Drop(message)) real.Broadcast(message); }
    }

    static (MultikernelSystem Mk, FaultyTransport[] Transports) Boot(AgreementOptions options)
    {
        var transports = new FaultyTransport[CoreAffinity.AllowedCpus().Count];
        var mk = MultikernelSystem.Boot(new MultikernelOptions
        {
            Agreement = options,
            Grouping = RoutingGrouping.Fixed(2),
            AgreementTransport = (core, real) => transports[core] = new FaultyTransport(real, 1000 + core),
        });
        return (mk, transports);
    }

    /// <summary>Runs <c>count</c> agreements from one core, each started by the previous one's completion: 2PCs on rows every core writes, 1PCs on this core's own row.</summary>
    sealed class Racer(AgreementService agreement, int count, int seed, Action<(int Committed, int Aborted, ulong OwnRow, CoreSet OwnCores)> done) : IAgreementCompletion
    {
        readonly Random _rng = new(seed);
        int _started, _committed, _aborted;
        CoreSet _own;
        ulong OwnRow => 100 + (ulong)agreement.Core;

        public void Start()
        {
            if (_started++ == count) { done((_committed, _aborted, OwnRow, _own)); return; }
            var protocol = Enum.GetValues<RoutingProtocol>()[_rng.Next(4)];
            int core = _rng.Next(agreement.AllCores.Count);
            if (_rng.Next(3) == 0)
            {
                // The own row: one writer (this core), one update at a time.
                var u = _own.Contains(core) ? SystemTableUpdates.Remove(OwnRow, core) : SystemTableUpdates.Place(OwnRow, core);
                _own = _own.Contains(core) ? _own.Without(core) : _own.With(core);
                agreement.StartOnePhase(protocol, agreement.AllCores, u, this);
            }
            else
            {
                ulong row = 1 + (ulong)_rng.Next(3); // shared rows: conflicts with the other cores' 2PCs
                agreement.StartTwoPhase(protocol, agreement.AllCores, _rng.Next(2) == 0 ? SystemTableUpdates.Place(row, core) : SystemTableUpdates.Remove(row, core), this);
            }
        }

        public void Decided(in AgreementOutcome outcome) { }

        public void Completed(in AgreementOutcome outcome)
        {
            if (outcome.Committed) _committed++; else _aborted++;
            Start();
        }
    }

    [Fact]
    public void ReplicatedTablesAreEqualOnEveryCoreAfterRacingAgreementsUnderLoss()
    {
        var (mk, transports) = Boot(Fast());
        using (mk)
        {
            Assert.SkipWhen(mk.CoreCount < 2, "needs agreements racing from two cores; this process may use one");
            foreach (var t in transports) t.Loss = 0.05;
            const int N = 300;
            var runs = Enumerable.Range(0, mk.CoreCount).Select(c =>
                mk.CallOnAsync<(int Committed, int Aborted, ulong OwnRow, CoreSet OwnCores)>(c, (m, done) => new Racer(m.Agreement, N, 7 + c, done).Start())).ToArray();
            var results = runs.Select(Wait).ToArray();
            foreach (var t in transports) t.Loss = 0;
            var replicas = Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m =>
            {
                var a = m.Agreement;
                var own = results.Select(r => a.Replica.Domains.CoresOf(r.OwnRow)).ToArray();
                return (Tables: a.Replica.Describe(), Locks: a.Replica.LocksHeld, Prepared: a.Node.Participant.PreparedCount, Active: a.Node.Coordinator.Active, Own: own);
            }))).ToArray();
            Assert.All(replicas, r => Assert.Equal(replicas[0].Tables, r.Tables));
            Assert.All(replicas, r => Assert.Equal((0, 0, 0), (r.Locks, r.Prepared, r.Active)));
            foreach (var r in replicas) Assert.Equal(results.Select(x => x.OwnCores), r.Own); // every 1PC writer's last update is what every replica shows
            int committed = results.Sum(r => r.Committed), aborted = results.Sum(r => r.Aborted);
            output.WriteLine($"{committed} agreements committed, {aborted} aborted; {transports.Sum(t => t.Dropped)} messages dropped; tables: {replicas[0].Tables}");
            Assert.Equal(N * mk.CoreCount, committed + aborted);
            Assert.True(transports.Sum(t => t.Dropped) > 0, "the loss injection dropped nothing");
        }
    }

    sealed class Outcome(Action<AgreementOutcome> done) : IAgreementCompletion
    {
        public void Decided(in AgreementOutcome o) { }
        public void Completed(in AgreementOutcome o) => done(o);
    }

    /// <summary>
    /// A host call waiting on an agreement that is still voting when the system shuts down fails with
    /// <see cref="OperationCanceledException"/> once the cores have stopped, instead of never completing: core 1's
    /// vote is dropped and the vote timeout is far away, so the coordinator is still waiting when its core stops.
    /// </summary>
    [Fact]
    public void AHostCallWaitingOnAnAgreementFailsWhenTheSystemShutsDown()
    {
        var (mk, transports) = Boot(Fast(voteMs: 600_000));
        Task<AgreementOutcome> pending;
        try
        {
            Assert.SkipWhen(mk.CoreCount < 2, "needs a second core as the silent participant; this process may use one");
            transports[1].DropIf = m => m.Type == AgreementMessages.Vote;
            var all = CoreSet.FirstN(mk.CoreCount);
            pending = mk.CallOnAsync<AgreementOutcome>(0, (m, done) =>
                m.Agreement.StartTwoPhase(RoutingProtocol.Unicast, all, SystemTableUpdates.Place(42, 1), new Outcome(done)));
            Assert.Equal(1, Wait(mk.CallOn(0, m => m.Agreement.Node.Coordinator.Active)));
            Assert.False(pending.IsCompleted);
        }
        finally { mk.Dispose(); }
        Assert.True(((IAsyncResult)pending).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "the host call waiting on the agreement never completed after shutdown");
        var e = Assert.ThrowsAny<OperationCanceledException>(() => pending.GetAwaiter().GetResult());
        Assert.Contains("shut down", e.Message);
    }

    /// <summary>
    /// Core 1 answers no agreement message (every one it sends is dropped), so a 1PC from core 0 resends its apply and
    /// a 2PC waits for its vote (the vote timeout is far away); then core 1's CPU driver faults. Core 0's monitor is
    /// told and its agreement service stops waiting: the 1PC completes committed without core 1's ack, the 2PC aborts
    /// naming core 1 and releases core 0's lock, and a 2PC started afterwards commits among the live cores, leaving
    /// core 1 out.
    /// </summary>
    [Fact]
    public void AgreementsWaitingForACoreThatFaultsCompleteWithoutIt()
    {
        var (mk, transports) = Boot(Fast(voteMs: 600_000));
        try
        {
            Assert.SkipWhen(mk.CoreCount < 2, "needs a second core to fault; this process may use one");
            transports[1].DropIf = _ => true;
            var all = CoreSet.FirstN(mk.CoreCount);
            var onePhase = mk.CallOnAsync<AgreementOutcome>(0, (m, done) =>
                m.Agreement.StartOnePhase(RoutingProtocol.NumaAwareMulticast, all, SystemTableUpdates.Place(42, 0), new Outcome(done)));
            var twoPhase = mk.CallOnAsync<AgreementOutcome>(0, (m, done) =>
                m.Agreement.StartTwoPhase(RoutingProtocol.Broadcast, all, SystemTableUpdates.Place(43, 0), new Outcome(done)));
            Assert.Equal(2, Wait(mk.CallOn(0, m => m.Agreement.Node.Coordinator.Active)));
            Thread.Sleep(50); // several retransmission rounds: nothing completes while core 1 is silent
            Assert.False(onePhase.IsCompleted || twoPhase.IsCompleted, "an agreement completed although core 1 answered nothing");

            Wait(mk.SpawnAsync(1, 1, () => new FaultsOnStart()).ContinueWith(_ => true));
            var one = Wait(onePhase);
            var two = Wait(twoPhase);
            Assert.True(one.Committed);
            Assert.Equal(CoreSet.Empty.With(1), one.Lost);
            Assert.False(two.Committed);
            Assert.Equal(AgreementAbortReason.ParticipantFaulted, two.Reason);
            Assert.Equal(1, two.FaultedCore);
            Assert.Contains("core #1", two.ReasonText);

            var after = Wait(mk.CallOnAsync<AgreementOutcome>(0, (m, done) =>
                m.Agreement.StartTwoPhase(RoutingProtocol.Broadcast, all, SystemTableUpdates.Place(44, 0), new Outcome(done))));
            Assert.True(after.Committed);
            Assert.Equal(CoreSet.Empty.With(1), after.Lost);
            var state = Wait(mk.CallOn(0, m => (m.Agreement.Node.Coordinator.Active, m.Agreement.Replica.LocksHeld, m.Agreement.Node.Participant.PreparedCount,
                P42: m.Agreement.Replica.Domains.CoresOf(42).Contains(0), P43: m.Agreement.Replica.Domains.CoresOf(43).Contains(0), P44: m.Agreement.Replica.Domains.CoresOf(44).Contains(0))));
            Assert.Equal((0, 0, 0, true, false, true), state);
        }
        finally { Record.Exception(() => mk.Dispose()); }
    }

    sealed class CapDone(Action<CapOperationResult> next) : ICapOperationCompletion
    {
        public void Completed(in CapOperationResult result) => next(result);
    }

    /// <summary>
    /// A domain's teardown removes its shared address space's rows from every replica even when the first release
    /// 2PC aborts (here core 1's vote is lost once, so it times out): the rows of a dead space must not stay behind.
    /// </summary>
    [Fact]
    public void DomainTeardownReleasesItsAddressSpaceRowsEvenIfTheFirstReleaseAborts()
    {
        var (mk, transports) = Boot(Fast(voteMs: 50));
        using (mk)
        {
            Assert.SkipWhen(mk.CoreCount < 2, "needs a shared address space on two cores; this process may use one");
            var domain = Wait(Domain.CreateAsync(mk, [0, 1], new DomainOptions { RamBytes = 128 * 1024 }));
            var space = domain.AddressSpace;
            var mapped = Wait(mk.CallOnAsync<CapOperationResult>(0, (m, done) =>
            {
                var e = domain.Dispatchers[0].Memory!.Frames.TryAlloc(CapType.Frame, out var f);
                if (e == CapError.Ok) e = m.Agreement.Coherence.Map(space, domain.CoreSet, 0x1000, f, CapRights.ReadWrite, new CapDone(done));
                if (e != CapError.Ok) done(new CapOperationResult(e, false, default, default));
            }));
            Assert.Equal(CapError.Ok, mapped.Error);
            Assert.All(Enumerable.Range(0, 2), c => Assert.Contains($"{space.Id}[0]=", Wait(mk.CallOn(c, m => m.Agreement.Replica.AddressSpaces.Describe()))));
            int votesToDrop = 1; // teardown's only 2PC is the release of the space's rows
            transports[1].DropIf = m => m.Type == AgreementMessages.Vote && Interlocked.Decrement(ref votesToDrop) >= 0;
            domain.Dispose();
            Assert.Equal(1, Interlocked.Read(ref transports[1].Dropped));
            Assert.All(Enumerable.Range(0, 2), c => Assert.DoesNotContain($"{space.Id}[", Wait(mk.CallOn(c, m => m.Agreement.Replica.AddressSpaces.Describe()))));
        }
    }

    /// <summary>
    /// A domain whose dispatcher gets no CSpace is torn down by its creation, and that teardown can fail too (here core
    /// 1 answers no agreement message, so the placement rows are never removed): the creation still reports why the
    /// domain could not be made, with the teardown's failure attached, not the teardown's timeout alone.
    /// </summary>
    [Fact]
    public void AFailedCreationKeepsItsOwnErrorWhenItsTeardownFailsToo()
    {
        var (mk, transports) = Boot(Fast());
        using (mk)
        {
            Assert.SkipWhen(mk.CoreCount < 2, "needs a second core whose silence makes the teardown fail; this process may use one");
            // Core 0's monitor has no root slot left: its RAM cache makes no CSpace for a dispatcher there.
            var taken = Wait(mk.CallOn(0, m =>
            {
                var slots = new List<Cptr>();
                while (m.Ram!.TryTakeSlot(out var slot)) slots.Add(slot);
                return slots;
            }));
            transports[1].DropIf = _ => true;
            var e = Assert.ThrowsAny<Exception>(() => Wait(Domain.CreateAsync(mk, [0], new DomainOptions { StopTimeout = TimeSpan.FromMilliseconds(300) })));
            transports[1].DropIf = null;
            Wait(mk.CallOn(0, m => { foreach (var slot in taken) m.Ram!.ReturnSlot(slot); return 0; }));
            var error = Assert.IsType<InvalidOperationException>(e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException : e);
            Assert.Contains("got no CSpace and RAM: OutOfSlots", error.Message);
            Assert.IsType<TimeoutException>(error.InnerException);
            Assert.Contains(error.InnerException!.Message, error.Message);
        }
    }

    [Fact]
    public void AParticipantThatDoesNotVoteMakesTheCoordinatorAbortWithNothingApplied()
    {
        var (mk, transports) = Boot(Fast(voteMs: 50));
        using (mk)
        {
            Assert.SkipWhen(mk.CoreCount < 2, "needs a second core as the silent participant; this process may use one");
            transports[1].DropIf = m => m.Type == AgreementMessages.Vote; // core 1 prepares (and locks) but its vote never arrives
            var all = CoreSet.FirstN(mk.CoreCount);
            var o = Wait(mk.CallOnAsync<AgreementOutcome>(0, (m, done) =>
                m.Agreement.StartTwoPhase(RoutingProtocol.Unicast, all, SystemTableUpdates.Place(42, 1), new Outcome(done))));
            transports[1].DropIf = null;
            Assert.False(o.Committed);
            Assert.Equal(AgreementAbortReason.Timeout, o.Reason);
            var state = Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m =>
                (m.Agreement.Replica.Domains.CoresOf(42).Count, m.Agreement.Replica.LocksHeld, m.Agreement.Node.Participant.PreparedCount)))).ToArray();
            Assert.All(state, s => Assert.Equal((0, 0, 0), s)); // the abort released core 1's lock; no replica applied the update
            // The same update goes through once the votes arrive again.
            var again = Wait(mk.CallOnAsync<AgreementOutcome>(0, (m, done) =>
                m.Agreement.StartTwoPhase(RoutingProtocol.Unicast, all, SystemTableUpdates.Place(42, 1), new Outcome(done))));
            Assert.True(again.Committed);
            Assert.All(Enumerable.Range(0, mk.CoreCount), c => Assert.True(Wait(mk.CallOn(c, m => m.Agreement.Replica.Domains.CoresOf(42).Contains(1)))));
        }
    }

    [Fact]
    public void TwoConflictingTwoPhaseCommitsStartedAtOnceNeverBothCommit()
    {
        var (mk, _) = Boot(Fast());
        using (mk)
        {
            Assert.SkipWhen(mk.CoreCount < 2, "needs two coordinators on two cores; this process may use one");
            var all = CoreSet.FirstN(mk.CoreCount);
            int both = 0, one = 0, none = 0;
            for (int round = 0; round < 200; round++)
            {
                // Both coordinators have started (each prepared its own replica: row 7 locked there) before either core
                // returns to its event loop and reads the other's prepare, so the two really overlap. Released at
                // once but not held, a descheduled core could start only after the other's 2PC had finished, and then
                // both commit legitimately, one after the other.
                using var together = new System.Threading.Barrier(2);
                Task<AgreementOutcome> Start(int core) => mk.CallOnAsync<AgreementOutcome>(core, (m, done) =>
                {
                    together.SignalAndWait();
                    m.Agreement.StartTwoPhase(RoutingProtocol.Broadcast, all, SystemTableUpdates.Place(7, core), new Outcome(done));
                    together.SignalAndWait();
                });
                var a = Start(0);
                var b = Start(1);
                bool ca = Wait(a).Committed, cb = Wait(b).Committed;
                if (ca && cb) both++; else if (ca || cb) one++; else none++;
                Wait(mk.CallOnAsync<AgreementOutcome>(0, (m, done) => m.Agreement.StartTwoPhase(RoutingProtocol.Unicast, all, SystemTableUpdates.Remove(7, 0), new Outcome(done))));
                Wait(mk.CallOnAsync<AgreementOutcome>(0, (m, done) => m.Agreement.StartTwoPhase(RoutingProtocol.Unicast, all, SystemTableUpdates.Remove(7, 1), new Outcome(done))));
            }
            output.WriteLine($"200 rounds: one committed {one}, both aborted {none}, both committed {both}");
            Assert.Equal(0, both);
            var locks = Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m => m.Agreement.Replica.LocksHeld))).ToArray();
            Assert.All(locks, l => Assert.Equal(0, l));
        }
    }
}

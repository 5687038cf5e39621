using static Multikernel.Tests.CapabilityTestCore;

namespace Multikernel.Tests;

/// <summary>
/// The TLB shootdown as the monitors run it, a 1PC whose apply step invalidates each participant's TLB, on the
/// agreement state machines of many cores of a made-up machine over a simulated network that delays, reorders and
/// (here too) drops messages: every protocol, many concurrent shootdowns from several initiators, checked at the
/// instant each completes.
/// </summary>
public class TlbShootdownSimulationTests
{
    static readonly MachineTopology Amd8x4 = MachineTopology.FromDescription(8, 1, 1, 4);
    static readonly MachineTopology TwoByTwo = MachineTopology.FromDescription(2, 2, 1, 4);
    static readonly AgreementOptions SimOptions = new() { VoteTimeout = 120, RetransmitInterval = 60 };

    /// <summary>At completion: checks that no participant's TLB still holds the page, and counts completions per tag.</summary>
    sealed class Checker(Tlb[] tlbs, CoreSet participants, ulong space, ulong va, List<string> errors, Dictionary<AgreementTag, int> completions) : IAgreementCompletion
    {
        public void Decided(in AgreementOutcome o) { }

        public void Completed(in AgreementOutcome o)
        {
            completions[o.Tag] = completions.GetValueOrDefault(o.Tag) + 1;
            foreach (int c in participants.ToArray())
                if (tlbs[c].Holds(space, va)) errors.Add($"shootdown {o.Tag} completed while core {c} still caches 0x{va:x}");
            if (!o.Committed || o.TwoPhase) errors.Add($"shootdown {o.Tag} ended as {(o.TwoPhase ? "2PC" : "1PC")} committed={o.Committed}");
        }
    }

    sealed record Scenario(MachineTopology Machine, RoutingGrouping Grouping, int Seed, double Drop, int MaxDelay,
        (RoutingProtocol Protocol, int Initiator, CoreSet Participants, int Page)[] Shootdowns);

    static Gen<Scenario> Scenarios() =>
        from machine in Gen.Elements(Amd8x4, TwoByTwo)
        from grouping in Gen.Elements(RoutingGrouping.Package, RoutingGrouping.L3Domain, RoutingGrouping.Fixed(3))
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from drop in Gen.Elements(0.0, 0.0, 0.05, 0.2)
        from delay in Gen.Elements(0, 5, 40)
        from shootdowns in Gen.NonEmptyListOf(
            from protocol in Gen.Elements(Enum.GetValues<RoutingProtocol>())
            from initiator in Gen.Choose(0, machine.Cores.Count - 1)
            from bits in Gen.ArrayOf(Gen.Elements(true, true, false), machine.Cores.Count)
            from page in Gen.Choose(0, 7)
            select (protocol, initiator, CoreSet.Of(Enumerable.Range(0, bits.Length).Where(i => bits[i])), page))
        select new Scenario(machine, grouping, seed, drop, delay, shootdowns.Take(12).ToArray());

    const ulong Base = 0x7000_0000;

    /// <summary>
    /// Runs a scenario: 8 pages mapped in one address space, every core's TLB filled with all of them, then every
    /// shootdown of the scenario started at once (each unmaps its page first if still mapped) and the network run until
    /// quiet. Returns the errors found, the replicas (their counts) and the completions.
    /// </summary>
    static (List<string> Errors, AgreementSimulation Sim, MonitorReplica[] Replicas, Dictionary<AgreementTag, int> Completions, List<AgreementTag> Tags) Run(
        Scenario s, SimulatedFaults? faults = null)
    {
        using var f = new PmapFixture();
        var (frame, _) = f.NewFrame();
        for (int p = 0; p < 8; p++) Ok(f.Space.Map(Base + (ulong)p * PageTables.PageSize, f.Mint(frame, CapRights.Read), CapRights.Read));

        int n = s.Machine.Cores.Count;
        var sim = new AgreementSimulation(s.Machine, s.Seed, faults ?? new SimulatedFaults { Drop = s.Drop, MaxDelay = s.MaxDelay });
        var tlbs = Enumerable.Range(0, n).Select(_ => new Tlb(64)).ToArray();
        var replicas = Enumerable.Range(0, n).Select(c => new MonitorReplica(c, null, tlbs[c])).ToArray();
        sim.Build(c => replicas[c], s.Grouping, SimOptions);
        foreach (var tlb in tlbs)
            for (int p = 0; p < 8; p++)
                if (!tlb.TryTranslate(f.Space, Base + (ulong)p * PageTables.PageSize, false, out _)) throw new InvalidOperationException("fill failed");

        var errors = new List<string>();
        var completions = new Dictionary<AgreementTag, int>();
        var tags = new List<AgreementTag>();
        foreach (var (protocol, initiator, participants, page) in s.Shootdowns)
        {
            ulong va = Base + (ulong)page * PageTables.PageSize;
            if (f.Space.TryWalk(va, out _)) Ok(f.Space.Unmap(va));
            tags.Add(sim.Nodes[initiator].StartOnePhase(protocol, participants, SystemTableUpdates.Invalidate(f.Space.Id, va, 1),
                new Checker(tlbs, participants, f.Space.Id, va, errors, completions), sim.Now));
        }
        sim.RunToQuiet();
        return (errors, sim, replicas, completions, tags);
    }

    /// <summary>
    /// Property: under drops, delays and reordering, every shootdown completes exactly once, and only when no
    /// participant's TLB still caches the page; afterwards nothing is in flight anywhere and every participant applied
    /// each invalidation it took part in exactly once (a retransmitted apply is acknowledged, not applied again).
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 150)]
    public Property ConcurrentShootdownsAllCompleteOnceAndLeaveNoStaleEntry() => Prop.ForAll(Scenarios().ToArbitrary(), s =>
    {
        var (errors, sim, replicas, completions, tags) = Run(s);
        if (errors.Count > 0) return false.Label(string.Join("; ", errors));
        if (tags.Any(t => completions.GetValueOrDefault(t) != 1)) return false.Label("a shootdown did not complete exactly once");
        if (sim.Nodes.Any(node => node.Coordinator.Active != 0)) return false.Label("a shootdown still in flight");
        for (int c = 0; c < replicas.Length; c++)
        {
            long expected = s.Shootdowns.Count(x => x.Participants.Contains(c));
            if (replicas[c].InvalidationsApplied != expected) return false.Label($"core {c} applied {replicas[c].InvalidationsApplied} invalidations, expected {expected}");
        }
        return true.ToProperty();
    });

    [Fact]
    public void MulticastOnThePapersMachineUsesFewerInitiatorMessages()
    {
        // 31 remote cores: unicast costs the initiator 31 sends and 31 acks; multicast 3 + 7 and 10 acks.
        foreach (var (protocol, initiatorMessages) in new[] { (RoutingProtocol.Unicast, 62), (RoutingProtocol.Multicast, 20), (RoutingProtocol.NumaAwareMulticast, 20) })
        {
            var s = new Scenario(Amd8x4, RoutingGrouping.Package, 1, 0, 0, [(protocol, 0, CoreSet.FirstN(32), 0)]);
            var (errors, sim, _, completions, _) = Run(s);
            Assert.Empty(errors);
            Assert.Single(completions);
            Assert.Equal(62, sim.Delivered); // 31 requests + 31 acks in total, whatever the tree
            var tree = Routing.Build(protocol, Amd8x4, Amd8x4.Cores.Select(c => c.Cpu).ToArray(), CoreSet.FirstN(32), 0, RoutingGrouping.Package);
            Assert.Equal(initiatorMessages, 2 * tree.Hops.Count);
        }
    }

    [Fact]
    public void ALostAckIsRetransmittedAndTheShootdownCompletes()
    {
        bool dropped = false;
        var faults = new SimulatedFaults
        {
            // The first ack core 9 (a member of aggregator 8's group) sends vanishes.
            DropWhen = (from, _, m) => from == 9 && m.Type == AgreementMessages.Ack && !dropped && (dropped = true),
        };
        var s = new Scenario(Amd8x4, RoutingGrouping.Package, 7, 0, 0, [(RoutingProtocol.Multicast, 0, CoreSet.FirstN(32), 0)]);
        var (errors, sim, replicas, completions, _) = Run(s, faults);
        Assert.True(dropped);
        Assert.Empty(errors);
        Assert.Single(completions);
        Assert.True(sim.Nodes[0].Coordinator.Retransmissions > 0);
        Assert.All(replicas, r => Assert.Equal(1, r.InvalidationsApplied)); // the retransmitted apply was not applied twice
    }

    [Fact]
    public void ADuplicatedAckIsIgnored()
    {
        var faults = new SimulatedFaults { DuplicateWhen = (from, _, m) => from == 5 && m.Type == AgreementMessages.Ack };
        var s = new Scenario(Amd8x4, RoutingGrouping.Package, 3, 0, 0, [(RoutingProtocol.Unicast, 0, CoreSet.FirstN(8), 0)]);
        var (errors, sim, _, completions, tags) = Run(s, faults);
        Assert.Empty(errors);
        Assert.Equal(1, completions[tags[0]]);
        Assert.Equal(0, sim.Nodes[0].Coordinator.Active);
    }

    /// <summary>An apply step that records, in one log shared by every core, when its core applied and checked a change.</summary>
    sealed class LoggedTranslations(int core, List<string> log) : ITranslationInvalidator
    {
        public void Apply(in MmuChange change) => log.Add($"apply {core}");
        public void Verify(in MmuChange change) => log.Add($"check {core}");
    }

    /// <summary>
    /// A core checks a shootdown's change only once its ack has gone out, an aggregator too: its ack for the group waits
    /// for the members' acks, and a check made before then would lie on the shootdown's path. Each core's replica is
    /// asked to check after every message it handles, as its monitor's agreement service does.
    /// </summary>
    [Theory]
    [InlineData(RoutingProtocol.Multicast)]
    [InlineData(RoutingProtocol.NumaAwareMulticast)]
    [InlineData(RoutingProtocol.Unicast)]
    public void EveryCoreChecksItsChangeOnlyAfterItsAckHasGoneOutAggregatorsToo(RoutingProtocol protocol)
    {
        // Two packages of two cores: from core 0, core 1 is served directly and core 2 aggregates for core 3 (multicast).
        var machine = MachineTopology.FromDescription(2, 1, 1, 2);
        var log = new List<string>();
        var sim = new AgreementSimulation(machine, 1, new SimulatedFaults
        {
            DropWhen = (from, to, m) =>
            {
                if (m.Type == AgreementMessages.Ack) log.Add($"ack {from}");
                return false;
            },
        });
        var replicas = Enumerable.Range(0, 4).Select(c => new MonitorReplica(c, null, new LoggedTranslations(c, log))).ToArray();
        sim.Build(c => replicas[c], RoutingGrouping.Package, SimOptions);
        var done = new Completions();
        sim.Nodes[0].StartOnePhase(protocol, CoreSet.FirstN(4), SystemTableUpdates.Translation(new MmuChange(1, Base, 1, MmuOp.ProtectNone)), done, sim.Now);
        while (sim.Step())
            foreach (var r in replicas) r.VerifyApplied();
        Assert.Equal(1, done.Count);
        for (int c = 1; c < 4; c++)
        {
            int ack = log.IndexOf($"ack {c}"), check = log.IndexOf($"check {c}");
            Assert.True(ack >= 0 && check > ack, $"core {c} checked its change before its ack went out: {string.Join(", ", log)}");
            Assert.Single(log, $"check {c}");
        }
        if (protocol != RoutingProtocol.Unicast)
            Assert.True(log.IndexOf("apply 3") < log.IndexOf("ack 2"), $"core 2 did not aggregate for core 3: {string.Join(", ", log)}");
    }

    sealed class Completions : IAgreementCompletion
    {
        public int Count;
        public void Decided(in AgreementOutcome o) { }
        public void Completed(in AgreementOutcome o) => Count++;
    }

    [Fact]
    public void WithoutRemoteParticipantsTheShootdownCompletesAtOnce()
    {
        var s = new Scenario(Amd8x4, RoutingGrouping.Package, 1, 0, 0, [(RoutingProtocol.Broadcast, 4, CoreSet.Of([4]), 2)]);
        var (errors, sim, replicas, completions, _) = Run(s);
        Assert.Empty(errors);
        Assert.Single(completions);
        Assert.Equal(0, sim.Delivered);
        Assert.Equal(1, replicas[4].InvalidationsApplied);
    }
}

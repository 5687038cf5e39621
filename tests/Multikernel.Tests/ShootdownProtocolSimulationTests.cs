using FsCheck;
using FsCheck.Fluent;
using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Monitor;
using Multikernel.Urpc;

namespace Multikernel.Tests;

/// <summary>
/// The shootdown protocol state machines of many cores on a made-up machine, driven by a simulated network that
/// delivers messages in a random order (FIFO per channel, as URPC is): every protocol, many concurrent shootdowns from
/// several initiators, checked at the instant each completes.
/// </summary>
public class ShootdownProtocolSimulationTests
{
    static readonly MachineTopology Amd8x4 = MachineTopology.FromDescription(8, 1, 1, 4);
    static readonly MachineTopology TwoByTwo = MachineTopology.FromDescription(2, 2, 1, 4);

    /// <summary>FIFO queues per (sender, receiver) binding and per (initiator, reader) broadcast cursor; one random delivery per step.</summary>
    sealed class Network
    {
        readonly Queue<UrpcMessage>[,] _links;
        readonly Queue<UrpcMessage>[,] _broadcast;
        public ShootdownProtocol[] Cores = [];
        public int DropAcksFrom = -1;     // fault injection: acks sent by this core vanish
        public int DuplicateAcksFrom = -1; // fault injection: acks sent by this core arrive twice
        public int Delivered;

        public Network(int n)
        {
            _links = new Queue<UrpcMessage>[n, n];
            _broadcast = new Queue<UrpcMessage>[n, n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) { _links[i, j] = new(); _broadcast[i, j] = new(); }
        }

        public IShootdownTransport EndOf(int core) => new End(this, core);

        sealed class End(Network net, int me) : IShootdownTransport
        {
            public void Send(int to, in UrpcMessage message)
            {
                if (to == me) throw new InvalidOperationException($"core {me} sent to itself");
                bool ack = message.Type == ShootdownMessages.Ack.TypeId;
                if (ack && me == net.DropAcksFrom) return;
                net._links[me, to].Enqueue(message);
                if (ack && me == net.DuplicateAcksFrom) net._links[me, to].Enqueue(message);
            }

            public void Broadcast(in UrpcMessage message)
            {
                for (int r = 0; r < net.Cores.Length; r++)
                    if (r != me) net._broadcast[me, r].Enqueue(message);
            }
        }

        /// <summary>Delivers one message from a randomly chosen non-empty queue; false when the network is quiet.</summary>
        public bool Step(Random rng)
        {
            int n = Cores.Length;
            var ready = new List<(bool Broadcast, int From, int To)>();
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    if (_links[i, j].Count > 0) ready.Add((false, i, j));
                    if (_broadcast[i, j].Count > 0) ready.Add((true, i, j));
                }
            if (ready.Count == 0) return false;
            var (bc, from, to) = ready[rng.Next(ready.Count)];
            var m = (bc ? _broadcast : _links)[from, to].Dequeue();
            Delivered++;
            if (bc) Cores[to].OnBroadcast(from, in m);
            else Cores[to].OnMessage(from, in m);
            return true;
        }
    }

    /// <summary>At completion: checks that no participant's TLB still holds the page, and counts completions per tag.</summary>
    sealed class Checker(Network net, CoreSet participants, ulong space, ulong va, List<string> errors, Dictionary<ulong, int> completions) : IShootdownCompletion
    {
        public void ShootdownCompleted(in ShootdownOutcome o)
        {
            completions[o.Tag] = completions.GetValueOrDefault(o.Tag) + 1;
            foreach (int c in participants.ToArray())
                if (net.Cores[c].Tlb.Holds(space, va))
                    errors.Add($"shootdown 0x{o.Tag:x} completed while core {c} still caches 0x{va:x}");
            if (o.CoresAcknowledged != participants.Without(ShootdownMessages.InitiatorOf(o.Tag)).Count)
                errors.Add($"shootdown 0x{o.Tag:x} completed with {o.CoresAcknowledged} acks");
        }
    }

    sealed record Scenario(MachineTopology Machine, RoutingGrouping Grouping, int Seed, (RoutingProtocol Protocol, int Initiator, CoreSet Participants, int Page)[] Shootdowns);

    static Gen<Scenario> Scenarios() =>
        from machine in Gen.Elements(Amd8x4, TwoByTwo)
        from grouping in Gen.Elements(RoutingGrouping.Package, RoutingGrouping.L3Domain, RoutingGrouping.Fixed(3))
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from shootdowns in Gen.NonEmptyListOf(
            from protocol in Gen.Elements(Enum.GetValues<RoutingProtocol>())
            from initiator in Gen.Choose(0, machine.Cores.Count - 1)
            from bits in Gen.ArrayOf(Gen.Elements(true, true, false), machine.Cores.Count)
            from page in Gen.Choose(0, 7)
            select (protocol, initiator, CoreSet.Of(Enumerable.Range(0, bits.Length).Where(i => bits[i])), page))
        select new Scenario(machine, grouping, seed, shootdowns.Take(12).ToArray());

    /// <summary>
    /// Runs a scenario: 8 pages mapped in one address space, every core's TLB filled with all of them, then every
    /// shootdown of the scenario started at once (each unmaps its page first if still mapped) and the network run until
    /// quiet with random delivery order. Returns the errors found.
    /// </summary>
    static (List<string> Errors, Network Net, Dictionary<ulong, int> Completions, List<ulong> Tags) Run(Scenario s, Action<Network>? faults = null)
    {
        using var mem = new PhysicalMemory(1L << 20);
        var frames = new FrameAllocator(mem);
        using var vs = new VSpace(frames);
        const ulong Base = 0x7000_0000;
        ulong frame = frames.Alloc();
        for (int p = 0; p < 8; p++) vs.Map(Base + (ulong)p * VSpace.PageSize, frame, PageRights.ReadWrite);

        int n = s.Machine.Cores.Count;
        var cpus = s.Machine.Cores.Select(c => c.Cpu).ToArray();
        var net = new Network(n);
        faults?.Invoke(net);
        net.Cores = Enumerable.Range(0, n).Select(c => new ShootdownProtocol(c, new Tlb(64), net.EndOf(c), s.Machine, cpus, s.Grouping)).ToArray();
        foreach (var core in net.Cores)
            for (int p = 0; p < 8; p++)
                if (!core.Tlb.TryTranslate(vs, Base + (ulong)p * VSpace.PageSize, false, out _)) throw new InvalidOperationException("fill failed");

        var errors = new List<string>();
        var completions = new Dictionary<ulong, int>();
        var tags = new List<ulong>();
        foreach (var (protocol, initiator, participants, page) in s.Shootdowns)
        {
            ulong va = Base + (ulong)page * VSpace.PageSize;
            if (vs.TryWalk(va, out _)) vs.Unmap(va);
            tags.Add(net.Cores[initiator].Start(protocol, participants, vs.Id, va, 1, new Checker(net, participants, vs.Id, va, errors, completions)));
        }
        var rng = new Random(s.Seed);
        while (net.Step(rng)) { }
        return (errors, net, completions, tags);
    }

    /// <summary>
    /// Property: every shootdown completes exactly once, and only when no participant's TLB still caches the page;
    /// afterwards nothing is pending anywhere and every participant served each request exactly once.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 150)]
    public Property ConcurrentShootdownsAllCompleteAndLeaveNoStaleEntry() => Prop.ForAll(Scenarios().ToArbitrary(), s =>
    {
        var (errors, net, completions, tags) = Run(s);
        if (errors.Count > 0) return false.Label(string.Join("; ", errors));
        if (tags.Any(t => completions.GetValueOrDefault(t) != 1)) return false.Label("a shootdown did not complete exactly once");
        if (net.Cores.Any(c => c.InFlight != 0)) return false.Label("pending state left");
        for (int c = 0; c < net.Cores.Length; c++)
        {
            long expected = s.Shootdowns.Count(x => x.Initiator != c && x.Participants.Contains(c));
            if (net.Cores[c].RequestsServed != expected) return false.Label($"core {c} served {net.Cores[c].RequestsServed} requests, expected {expected}");
        }
        return true.ToProperty();
    });

    [Fact]
    public void MulticastOnThePapersMachineUsesFewerInitiatorMessages()
    {
        // 31 remote cores: unicast costs the initiator 31 sends and 31 acks; multicast 3 + 7 and 10 acks.
        foreach (var (protocol, initiatorMessages) in new[] { (RoutingProtocol.Unicast, 62), (RoutingProtocol.Multicast, 20), (RoutingProtocol.NumaAwareMulticast, 20) })
        {
            var s = new Scenario(Amd8x4, RoutingGrouping.Package, 1, [(protocol, 0, CoreSet.FirstN(32), 0)]);
            var (errors, net, completions, _) = Run(s);
            Assert.Empty(errors);
            Assert.Single(completions);
            Assert.Equal(62, net.Delivered); // 31 requests + 31 acks in total, whatever the tree
            var tree = net.Cores[0].RouteFor(protocol, 0, CoreSet.FirstN(32));
            Assert.Equal(initiatorMessages, 2 * tree.Hops.Count);
        }
    }

    [Fact]
    public void ALostAckLeavesTheShootdownIncomplete()
    {
        var s = new Scenario(Amd8x4, RoutingGrouping.Package, 7, [(RoutingProtocol.Multicast, 0, CoreSet.FirstN(32), 0)]);
        var (errors, net, completions, _) = Run(s, n => n.DropAcksFrom = 9); // 9 is a member of aggregator 8's group
        Assert.Empty(errors);
        Assert.Empty(completions);
        Assert.Equal(1, net.Cores[0].InFlight);
    }

    [Fact]
    public void ADuplicatedAckIsAProtocolError()
    {
        var s = new Scenario(Amd8x4, RoutingGrouping.Package, 3, [(RoutingProtocol.Unicast, 0, CoreSet.FirstN(8), 0)]);
        var e = Assert.Throws<InvalidOperationException>(() => Run(s, n => n.DuplicateAcksFrom = 5));
        Assert.Contains("0x", e.Message);
    }

    [Fact]
    public void WithoutRemoteParticipantsTheShootdownCompletesAtOnce()
    {
        var s = new Scenario(Amd8x4, RoutingGrouping.Package, 1, [(RoutingProtocol.Broadcast, 4, CoreSet.Of([4]), 2)]);
        var (errors, net, completions, _) = Run(s);
        Assert.Empty(errors);
        Assert.Single(completions);
        Assert.Equal(0, net.Delivered);
    }
}

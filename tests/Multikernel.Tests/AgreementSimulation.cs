
namespace Multikernel.Tests;

/// <summary>Faults a <see cref="AgreementSimulation"/> injects. Every message (unicast or each reader's copy of a broadcast) independently.</summary>
sealed record SimulatedFaults
{
    /// <summary>Probability that a message vanishes.</summary>
    public double Drop { get; init; }
    /// <summary>Each message arrives 1 + uniform(0, MaxDelay) steps after it was sent; different delays reorder messages, on one link too.</summary>
    public int MaxDelay { get; init; }
    /// <summary>Messages this core sends arrive <see cref="SlowBy"/> steps late (a participant that misses the vote timeout); -1: none.</summary>
    public int SlowCore { get; init; } = -1;
    public int SlowBy { get; init; }
    /// <summary>Targeted loss: a message (from, to, message) for which this returns true vanishes.</summary>
    public Func<int, int, UrpcMessage, bool>? DropWhen { get; init; }
    /// <summary>Targeted duplication: a message for which this returns true arrives twice.</summary>
    public Func<int, int, UrpcMessage, bool>? DuplicateWhen { get; init; }

    public static readonly SimulatedFaults None = new();
}

/// <summary>
/// A deterministic simulated network for the agreement state machines of several cores: each sent message gets a
/// delivery time (now + 1 + random delay), may be dropped, and is delivered in time order (ties in random order); time
/// jumps to the next delivery or the next coordinator deadline, whichever comes first. Same seed, same run.
/// </summary>
sealed class AgreementSimulation
{
    readonly record struct InFlight(long At, long Order, int From, int To, bool Broadcast, UrpcMessage Message);

    readonly PriorityQueue<InFlight, (long, long)> _queue = new();
    readonly PriorityQueue<Action, (long, long)> _scheduled = new();
    readonly Random _rng;
    long _order;

    public AgreementNode[] Nodes = [];
    /// <summary>Crashed cores (<see cref="Crash"/>): they take no message and fire no timer; what they sent before still arrives.</summary>
    public CoreSet Crashed { get; private set; }
    /// <summary>Messages a core sent to a core it had been told had faulted (the protocol must send none).</summary>
    public long SentToFaulted { get; private set; }
    /// <summary>Messages that arrived at a crashed core and were lost.</summary>
    public long LostAtCrashed { get; private set; }
    public SimulatedFaults Faults;
    public long Now { get; private set; }
    public long Delivered { get; private set; }
    public long Dropped { get; private set; }
    public int Cores { get; }
    public MachineTopology Topology { get; }
    public int[] Cpus { get; }

    public AgreementSimulation(MachineTopology topology, int seed, SimulatedFaults? faults = null)
    {
        Topology = topology;
        Cpus = topology.Cores.Select(c => c.Cpu).ToArray();
        Cores = Cpus.Length;
        _rng = new Random(seed);
        Faults = faults ?? SimulatedFaults.None;
    }

    public Random Random => _rng;

    /// <summary>Builds one node per core over this network, each with the resource <paramref name="resourceOf"/> gives.</summary>
    public void Build(Func<int, IAgreementResource> resourceOf, RoutingGrouping grouping, AgreementOptions options)
    {
        Nodes = new AgreementNode[Cores];
        for (int c = 0; c < Cores; c++) Nodes[c] = new AgreementNode(c, new End(this, c), resourceOf(c), Topology, Cpus, grouping, options);
    }

    public IAgreementTransport EndOf(int core) => new End(this, core);

    sealed class End(AgreementSimulation sim, int me) : IAgreementTransport
    {
        public void Send(int to, in UrpcMessage message)
        {
            if (to == me) throw new InvalidOperationException($"core {me} sent to itself");
            sim.Enqueue(me, to, false, message);
        }

        public void Broadcast(in UrpcMessage message)
        {
            for (int r = 0; r < sim.Cores; r++)
                if (r != me) sim.Enqueue(me, r, true, message);
        }
    }

    /// <summary>Core <paramref name="core"/> stops (fail-stop): from now on it takes no message and fires no timer.</summary>
    public void Crash(int core) => Crashed = Crashed.With(core);

    /// <summary>Tells every live core's node that <paramref name="core"/> faulted (what the monitors' PeerFaulted does), now.</summary>
    public void DeclareFaulted(int core)
    {
        Crash(core);
        for (int c = 0; c < Nodes.Length; c++)
            if (!Crashed.Contains(c)) Nodes[c].PeerFaulted(core, Now);
    }

    /// <summary>Tells each live core's node that <paramref name="core"/> faulted, each at its own random time within <paramref name="within"/> steps.</summary>
    public void DeclareFaultedLater(int core, int within)
    {
        Crash(core);
        for (int c = 0; c < Nodes.Length; c++)
        {
            int node = c;
            Schedule(Now + _rng.Next(within + 1), () => { if (!Crashed.Contains(node)) Nodes[node].PeerFaulted(core, Now); });
        }
    }

    void Enqueue(int from, int to, bool broadcast, in UrpcMessage m)
    {
        if (Nodes.Length > from && Nodes[from].Faulted.Contains(to)) SentToFaulted++;
        if (Faults.DropWhen != null && Faults.DropWhen(from, to, m)) { Dropped++; return; }
        if (Faults.DuplicateWhen != null && Faults.DuplicateWhen(from, to, m)) EnqueueOnce(from, to, broadcast, m);
        EnqueueOnce(from, to, broadcast, m);
    }

    void EnqueueOnce(int from, int to, bool broadcast, in UrpcMessage m)
    {
        if (Faults.Drop > 0 && _rng.NextDouble() < Faults.Drop) { Dropped++; return; }
        long at = Now + 1 + (Faults.MaxDelay > 0 ? _rng.Next(Faults.MaxDelay + 1) : 0);
        if (from == Faults.SlowCore) at += Faults.SlowBy;
        var f = new InFlight(at, _order++, from, to, broadcast, m);
        _queue.Enqueue(f, (at, _rng.NextInt64()));
    }

    /// <summary>Delivers the next message or fires the next deadline. False when nothing is left to happen.</summary>
    public bool Step()
    {
        long deadline = long.MaxValue;
        int timerCore = -1;
        for (int c = 0; c < Nodes.Length; c++)
        {
            if (Crashed.Contains(c)) continue;
            long d = Nodes[c].NextDeadline;
            if (d < deadline) { deadline = d; timerCore = c; }
        }
        if (_scheduled.TryPeek(out var action, out var when) && when.Item1 <= deadline
            && (!_queue.TryPeek(out var first, out _) || when.Item1 < first.At))
        {
            _scheduled.Dequeue();
            Now = Math.Max(Now, when.Item1);
            action();
            return true;
        }
        bool haveMessage = _queue.TryPeek(out var next, out _);
        if (!haveMessage && timerCore < 0) return false;
        if (haveMessage && next.At <= deadline)
        {
            _queue.Dequeue();
            Now = Math.Max(Now, next.At);
            if (Crashed.Contains(next.To)) { LostAtCrashed++; return true; }
            Delivered++;
            var m = next.Message;
            if (next.Broadcast) Nodes[next.To].OnBroadcast(next.From, in m, Now);
            else Nodes[next.To].OnMessage(next.From, in m, Now);
            return true;
        }
        Now = Math.Max(Now, deadline);
        Nodes[timerCore].OnTimer(Now);
        return true;
    }

    /// <summary>Runs until nothing is left to happen, or throws after <paramref name="maxSteps"/> (a livelock).</summary>
    public void RunToQuiet(long maxSteps = 5_000_000)
    {
        for (long i = 0; i < maxSteps; i++)
            if (!Step()) return;
        throw new InvalidOperationException($"simulation did not quiesce within {maxSteps} steps (now {Now}, {_queue.Count} in flight)");
    }

    public int InFlightCount => _queue.Count;

    /// <summary>Messages <paramref name="from"/> sent that have not been delivered yet.</summary>
    public int InFlightFrom(int from) => _queue.UnorderedItems.Count(f => f.Element.From == from);

    /// <summary>Runs <paramref name="action"/> at time <paramref name="at"/> (a caller's own timer, e.g. a retry after backoff).</summary>
    public void Schedule(long at, Action action) => _scheduled.Enqueue(action, (Math.Max(at, Now), _order++));

    /// <summary>Drops every queued message addressed to <paramref name="to"/> of <paramref name="type"/> and returns them (for tests that hold one back).</summary>
    public List<(int From, UrpcMessage Message)> Withhold(int to, byte type)
    {
        var kept = new List<(InFlight, (long, long))>();
        var taken = new List<(int, UrpcMessage)>();
        while (_queue.TryDequeue(out var f, out var p))
        {
            if (f.To == to && f.Message.Type == type) taken.Add((f.From, f.Message));
            else kept.Add((f, p));
        }
        foreach (var (f, p) in kept) _queue.Enqueue(f, p);
        return taken;
    }

    /// <summary>Drops every queued message <paramref name="from"/> sent (a core that crashes before its last messages went out); returns how many.</summary>
    public int DropInFlightFrom(int from)
    {
        var kept = new List<(InFlight, (long, long))>();
        int dropped = 0;
        while (_queue.TryDequeue(out var f, out var p))
        {
            if (f.From == from) dropped++;
            else kept.Add((f, p));
        }
        foreach (var (f, p) in kept) _queue.Enqueue(f, p);
        Dropped += dropped;
        return dropped;
    }

    /// <summary>Delivers a message now, bypassing the queue.</summary>
    public void DeliverNow(int from, int to, in UrpcMessage m) => Nodes[to].OnMessage(from, in m, Now);
}

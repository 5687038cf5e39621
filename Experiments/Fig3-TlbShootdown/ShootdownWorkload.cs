using Multikernel.Domains;
using Multikernel.Monitor.Agreement;
using Multikernel.Urpc;

namespace Fig3.TlbShootdown;

/// <summary>
/// The multikernel side of one core count k: boots a CPU driver and monitor on each of the k cores and a domain that
/// spans them (its address space built by capability invocations on the first core; the monitors place the domain on
/// all k cores in their replicated placement table), maps two pages of that address space (a root-table insert is
/// the monitors' 2PC when k &gt; 1) and has every core translate both (each TLB now caches them), unmaps the first page
/// by a VNode Unmap invocation, then runs a <see cref="ShootdownLoop"/> on the first core over the given series,
/// interleaved by repetition: shootdowns of the first page with each protocol (paper Fig 6; each a 1PC whose apply
/// invalidates the TLB), end-to-end unmaps of the second page (invocation + shootdown, paper Fig 7), and 1PC and 2PC
/// updates of a replicated table with each protocol. The participants are the domain's cores as the first core's
/// replica of the placement table lists them.
/// <para>Checks afterwards: every operation completed once and no 2PC aborted; every core applied exactly one
/// invalidation per shootdown and unmap (the first core's own included); nothing is in flight, prepared or locked on
/// any core; every core's TLB dropped both entries it had cached and holds neither; every core's replica of the
/// system tables is equal, and lists the toggled rows as the loop left them; the page tables end with the second page
/// mapped at its frame, the first unmapped, and as many page tables as before thousands of unmap/map cycles.</para>
/// </summary>
public static class ShootdownWorkload
{
    /// <summary>How an idle core waits: it polls 200 million cycles before it sleeps, long enough that no core sleeps between two operations.</summary>
    public static readonly WaitPolicy WaitPolicy = new(200_000_000);
    const ulong ShootVa = 0x6000_0000, UnmapVa = 0x6000_1000;
    /// <summary>How long a run may go without completing an operation before it counts as stalled (<see cref="ProgressWait"/>), and how long one request may take.</summary>
    internal static readonly TimeSpan Stall = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The agreement's timeouts here: a 2PC aborts only if a vote is 5 s late, a decision is resent after 1 s, so that
    /// a core the host deschedules for a while does not turn into an abort or a retransmission in the measurement.
    /// </summary>
    public static AgreementOptions Timeouts() => new()
    {
        VoteTimeout = (long)CycleClock.FromNanoseconds(5e9),
        RetransmitInterval = (long)CycleClock.FromNanoseconds(1e9),
    };

    /// <summary>Per series (same order as given): samples, disturbed repetitions, the run's check outcome and what was checked.</summary>
    public static LatencySamples[] Run(int[] cores, ShootdownSeries[] series, RoutingGrouping grouping, SweepSize size)
    {
        int k = cores.Length;
        if (k < 2 && series.Any(s => s.Kind != SeriesKind.Unmap)) throw new ArgumentException("a shootdown protocol or an agreement needs at least one core besides the initiator", nameof(cores));
        int shootdowns = series.Count(s => s.Kind is SeriesKind.Shootdown or SeriesKind.Unmap);
        bool shoot = series.Any(s => s.Kind == SeriesKind.Shootdown), unmap = series.Any(s => s.Kind == SeriesKind.Unmap);
        ulong[] used = [.. shoot ? [ShootVa] : Array.Empty<ulong>(), .. unmap ? [UnmapVa] : Array.Empty<ulong>()];

        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores, WaitPolicy = WaitPolicy, Grouping = grouping, Agreement = Timeouts() });
        using var domain = Wait(Domain.CreateAsync(mk), "the domain");
        var space = domain.AddressSpace;
        var setup = Wait(mk.CallOnAsync<(string? Failure, Cptr Frame, ulong Pa, CoreSet Participants, int Tables)>(0, (m, done) =>
            MapPages(m, domain, used, done)), "mapping the pages");
        if (setup.Failure != null) throw new InvalidOperationException(setup.Failure);
        var participants = setup.Participants;
        int tablesBefore = setup.Tables;

        var fills = new Task<bool>[k];
        for (int c = 0; c < k; c++)
            fills[c] = mk.CallOn(c, m =>
            {
                var t = m.Agreement.Coherence.Tlb;
                foreach (ulong va in used)
                    if (!t.TryTranslate(space, va, write: true, out ulong _) || !t.Holds(space.Id, va)) return false;
                return true;
            });
        if (!Task.WaitAll(fills, Stall) || fills.Any(f => !f.Result))
            throw new InvalidOperationException("a core could not translate the shared pages through its TLB before the run");
        if (shoot && Wait(mk.CallOn(0, _ => space.Unmap(ShootVa)), "unmapping the first page") != CapError.Ok) // gone from the tables; every TLB still caches it until the first shootdown
            throw new InvalidOperationException("could not unmap the first page");

        var (report, loop) = OperationLoopRun.RunLoop<ShootdownLoop, ShootdownLoopReport>(mk, (m, done) =>
            new ShootdownLoop(m.Agreement, series, participants, space, ShootVa, UnmapVa, setup.Frame, size, done), "the initiator's loop");

        var state = new CoreState[k];
        for (int c = 0; c < k; c++)
            state[c] = Wait(mk.CallOn(c, m =>
            {
                var a = m.Agreement;
                return new CoreState(a.Replica.InvalidationsApplied, a.Node.Coordinator.Active, a.Node.Participant.PreparedCount, a.Replica.LocksHeld,
                    used.Any(va => a.Coherence.Tlb.Holds(space.Id, va)), a.Replica.Describe());
            }), $"core #{c}'s state");
        string? toggled = Wait(mk.CallOn(0, _ => loop.CompletionFailure ?? loop.ToggledRowsFailure()), "the loop's completions and toggled rows");
        var tables = Wait(mk.CallOn(0, _ => (space.Tables, space.TryTranslate(UnmapVa, out ulong pa, out PageRights _) ? pa : ulong.MaxValue, space.TryWalk(ShootVa, out ulong _))), "the page tables");

        long ops = size.TotalOps * series.Length;
        long invalidations = size.TotalOps * shootdowns;
        string? failure = report.Failure ?? Verify(state, ops, report.Completed, invalidations) ?? toggled
            ?? VerifyTables(shoot ? tables.Item3 : null, unmap ? (tables.Item2, setup.Pa) : null, tablesBefore, tables.Tables);
        var cpus = mk.Cores;
        string placed = k > 1 ? $"the domain is placed on cores {participants} in every replica; " : "";
        string seriesNames = string.Join(", ", series.Select(x => x.Name + (x.Kind is SeriesKind.OnePhase or SeriesKind.TwoPhase ? $"/{TlbSweep.Name(x.Protocol)}" : "")));
        return series.Select((s, i) => new LatencySamples
        {
            Cycles = report.Cycles[i],
            Disturbed = report.Disturbed[i],
            Failure = failure,
            // A failed run claims none of the passing run's checks.
            Facts = (failure == null
                ? $"{ops} operations in this boot ({seriesNames}, interleaved by repetition), each completed once, no 2PC aborted; " +
                    $"every core applied {invalidations} invalidations (shootdowns and unmaps); nothing in flight, prepared or locked afterwards; every TLB dropped the {used.Length} entr{(used.Length == 1 ? "y" : "ies")} it cached; " +
                    $"{placed}every core's replica of the system tables equal at the end; page tables: {tablesBefore} tables before and after; "
                : $"{ops} operations planned in this boot ({seriesNames}, interleaved by repetition); no check is claimed: the run failed (above); ") +
                    $"route from core {cores[0]}: {Describe(Routing.Build(s.Protocol, mk.Topology, cpus, participants, 0, grouping), cores)}",
        }).ToArray();
    }

    /// <summary>On the first core: maps a frame of dispatcher 0's RAM at each page (a copy of the capability each: a capability maps once).</summary>
    static void MapPages(MonitorDispatcher m, Domain domain, ulong[] vas, Action<(string?, Cptr, ulong, CoreSet, int)> done)
    {
        var memory = domain.Dispatchers[0].Memory!;
        var participants = m.Agreement.Replica.Domains.CoresOf((ulong)domain.Id);
        if (participants != domain.CoreSet) { done(($"the placement table lists the domain on {participants}, not {domain.CoreSet}", default, 0, default, 0)); return; }
        var e = memory.Frames.TryAlloc(CapType.Frame, out var frame);
        if (e != CapError.Ok) { done(($"no frame: {e}", default, 0, default, 0)); return; }
        memory.Driver.Identify(memory.Space, frame, out var id);
        var caps = new Cptr[vas.Length];
        for (int i = 0; i < vas.Length; i++)
        {
            if (i == 0) { caps[i] = frame; continue; }
            if (!memory.Slots.TryAlloc(out caps[i]) || memory.Driver.Copy(memory.Space, frame, caps[i]) != CapError.Ok)
            {
                done(("could not copy the frame capability", default, 0, default, 0));
                return;
            }
        }
        int next = 0;
        void MapNext()
        {
            if (next == vas.Length) { done((null, caps[^1], id.Base, participants, domain.AddressSpace.Tables)); return; }
            int i = next++;
            var r = m.Agreement.Coherence.Map(domain.AddressSpace, participants, vas[i], caps[i], CapRights.ReadWrite, new Then(result =>
            {
                if (result.Error != CapError.Ok) done(($"mapping 0x{vas[i]:x} failed: {result.Error}", default, 0, default, 0));
                else MapNext();
            }));
            if (r != CapError.Ok) done(($"mapping 0x{vas[i]:x} failed: {r}", default, 0, default, 0));
        }
        MapNext();
    }

    /// <summary>One core's counts after the modelled-MMU loop: invalidations applied, agreements in flight, prepared and locked, whether its TLB caches a page, its replica of the system tables.</summary>
    internal readonly record struct CoreState(long Applied, int Active, int Prepared, int Locks, bool Holds, string Tables);

    /// <summary>The run's accounting: null when every operation completed and every core applied every invalidation, holds nothing in flight and no cached page, and has core 0's tables; else the first difference.</summary>
    internal static string? Verify(CoreState[] state, long ops, long completed, long invalidations)
    {
        if (completed != ops) return $"{completed} operations completed, expected {ops}";
        for (int c = 0; c < state.Length; c++)
        {
            var s = state[c];
            if (s.Active != 0 || s.Prepared != 0 || s.Locks != 0) return $"core #{c} still has {s.Active} agreement(s) in flight, {s.Prepared} prepared, {s.Locks} lock(s)";
            if (s.Applied != invalidations) return $"core #{c} applied {s.Applied} invalidations, expected {invalidations}";
            if (s.Holds) return $"core #{c}'s TLB still caches a page after the run";
            if (s.Tables != state[0].Tables) return $"core #{c}'s replica of the system tables differs from core #0's: {s.Tables} vs {state[0].Tables}";
        }
        return null;
    }

    /// <summary>
    /// The page tables after the run: null when the shot-down page (<paramref name="shotDownMapped"/>, null without
    /// shootdown series) is not mapped, the unmapped-and-remapped page (<paramref name="remapped"/>: what it translates
    /// to and its frame, null without unmap series) translates to its frame, and the count of page tables is what it was
    /// before; else the first difference.
    /// </summary>
    internal static string? VerifyTables(bool? shotDownMapped, (ulong Pa, ulong Frame)? remapped, int tablesBefore, int tablesAfter)
    {
        if (remapped is { } r && r.Pa != r.Frame) return $"after the run the unmapped-and-remapped page translates to 0x{r.Pa:x}, not its frame 0x{r.Frame:x}";
        if (shotDownMapped == true) return "after the run the first page is mapped again";
        if (tablesAfter != tablesBefore) return $"page tables went from {tablesBefore} to {tablesAfter} over the run's unmap/map cycles";
        return null;
    }

    /// <summary>The route in OS core numbers, e.g. "4>[5,6,7] 1 2 3" (a>[...]: a forwards to the bracketed cores).</summary>
    public static string Describe(RoutingTree route, int[] cores)
    {
        if (route.Hops.Count == 0) return "no remote core";
        string hops = string.Join(" ", route.Hops.Select(h => h.Forward.Length == 0 ? $"{cores[h.Core]}" : $"{cores[h.Core]}>[{string.Join(',', h.Forward.Select(f => cores[f]))}]"));
        return route.ViaBroadcastBuffer ? $"one write to core {cores[0]}'s broadcast buffer, acks from {hops}" : hops;
    }

    internal static T Wait<T>(Task<T> task, string what)
    {
        if (!task.Wait(Stall)) throw new TimeoutException($"timed out after {Stall.TotalSeconds:0} s waiting for {what} (a lost message would stall an agreement until its retransmission)");
        return task.Result;
    }
}

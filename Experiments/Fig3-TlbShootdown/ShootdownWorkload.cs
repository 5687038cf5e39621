using Multikernel;
using Multikernel.Memory;
using Multikernel.Monitor;
using Multikernel.Urpc;

namespace Fig3.TlbShootdown;

/// <summary>
/// The multikernel side of one core count k: boots a CPU driver and monitor on each of the k cores, installs the
/// shootdown service, maps two pages of a VSpace shared by a domain spanning all k cores and has every core translate
/// both (each TLB now caches them), unmaps the first page from the tables, then runs a <see cref="ShootdownLoop"/> on the
/// first core over the given series, interleaved by repetition: shootdowns of the first page with each protocol
/// (paper Fig 6), end-to-end unmaps of the second page (page-table update + shootdown, paper Fig 7).
/// <para>Checks afterwards: every operation completed once; every remote core served exactly one request per
/// operation; nothing is pending on any core; every core's TLB dropped both entries it had cached and holds neither;
/// the page tables end with the second page mapped at its frame, the first unmapped, and as many page-table pages as
/// before thousands of unmap/map cycles.</para>
/// </summary>
public static class ShootdownWorkload
{
    /// <summary>How an idle core waits: it polls 200 million cycles before it sleeps, long enough that no core sleeps between two operations.</summary>
    public static readonly WaitPolicy WaitPolicy = new(200_000_000);
    const ulong ShootVa = 0x6000_0000, UnmapVa = 0x6000_1000;
    static readonly TimeSpan Stall = TimeSpan.FromMinutes(2);

    /// <summary>Per series (same order as given): samples, disturbed repetitions, the run's check outcome and what was checked.</summary>
    public static LatencySamples[] Run(int[] cores, ShootdownSeries[] series, RoutingGrouping grouping, SweepSize size)
    {
        int k = cores.Length;
        if (k < 2 && series.Any(s => !s.Unmap)) throw new ArgumentException("a shootdown protocol needs at least one core besides the initiator", nameof(cores));
        bool shoot = series.Any(s => !s.Unmap), unmap = series.Any(s => s.Unmap);
        ulong[] used = [.. shoot ? [ShootVa] : Array.Empty<ulong>(), .. unmap ? [UnmapVa] : Array.Empty<ulong>()];
        using var memory = new PhysicalMemory(1L << 20);
        var frames = new FrameAllocator(memory);
        using var space = new VSpace(frames);
        ulong frame = frames.Alloc();
        foreach (ulong va in used) space.Map(va, frame, PageRights.ReadWrite);
        int tablesBefore = space.PageTablePages;

        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cores, WaitPolicy = WaitPolicy });
        var tlb = ShootdownInstallation.Install(mk, new ShootdownOptions { Grouping = grouping });
        var domain = CoreSet.FirstN(k);
        var fills = new Task<bool>[k];
        for (int c = 0; c < k; c++)
        {
            int core = c;
            fills[c] = mk.CallOn(c, _ =>
            {
                var t = tlb.On(core).Tlb;
                foreach (ulong va in used)
                    if (!t.TryTranslate(space, va, write: true, out ulong _) || !t.Holds(space.Id, va)) return false;
                return true;
            });
        }
        if (!Task.WaitAll(fills, Stall) || fills.Any(f => !f.Result))
            throw new InvalidOperationException("a core could not translate the shared pages through its TLB before the run");
        if (shoot) space.Unmap(ShootVa); // gone from the tables; every TLB still caches it until the first shootdown

        var report = Wait(mk.CallOnAsync<ShootdownLoopReport>(0, (m, done) =>
            new ShootdownLoop(tlb.On(0).Protocol, series, domain, space, ShootVa, UnmapVa, frame, size, done).Begin()), "the initiator's loop");

        var state = new (long Served, int InFlight, long Invalidated, bool Holds)[k];
        for (int c = 0; c < k; c++)
        {
            int core = c;
            state[c] = Wait(mk.CallOn(c, _ =>
            {
                var s = tlb.On(core);
                return (s.Protocol.RequestsServed, s.Protocol.InFlight, s.Tlb.EntriesInvalidated, used.Any(va => s.Tlb.Holds(space.Id, va)));
            }), $"core #{c}'s state");
        }
        mk.Shutdown();

        long ops = size.TotalOps * series.Length;
        string? failure = report.Failure ?? Verify(state, ops, report.Completed, used.Length);
        if (failure == null)
        {
            bool unmapPageBack = !unmap || (space.TryTranslate(UnmapVa, out ulong pa, out _) && pa == frame);
            if (space.MappedPages != (unmap ? 1 : 0) || !unmapPageBack || space.TryWalk(ShootVa, out _))
                failure = $"after the run the page tables map {space.MappedPages} page(s); expected {(unmap ? "only the unmapped-and-remapped page, at its frame" : "none")}";
            else if (space.PageTablePages != tablesBefore)
                failure = $"page-table pages went from {tablesBefore} to {space.PageTablePages} over the run's unmap/map cycles";
        }
        return series.Select((s, i) => new LatencySamples
        {
            Cycles = report.Cycles[i],
            Disturbed = report.Disturbed[i],
            Failure = failure,
            Facts = $"{ops} operations in this boot ({string.Join(", ", series.Select(x => x.Name))}, interleaved by repetition), each completed once; " +
                    $"every remote core served {ops} requests; every TLB dropped the {used.Length} entr{(used.Length == 1 ? "y" : "ies")} it cached; page tables: {space.PageTablePages} table pages before and after; " +
                    $"route from core {cores[0]}: {Describe(Routing.Build(s.Protocol, tlb.Topology, tlb.CpuOfCore, domain, 0, grouping), cores)}",
        }).ToArray();
    }

    static string? Verify((long Served, int InFlight, long Invalidated, bool Holds)[] state, long ops, long completed, int pages)
    {
        if (completed != ops) return $"{completed} operations completed, expected {ops}";
        for (int c = 0; c < state.Length; c++)
        {
            var s = state[c];
            if (s.InFlight != 0) return $"core #{c} still has {s.InFlight} shootdown(s) in flight";
            if (c > 0 && s.Served != ops) return $"core #{c} served {s.Served} requests, expected {ops}";
            if (s.Invalidated < pages) return $"core #{c}'s TLB dropped {s.Invalidated} cached entries, expected {pages}";
            if (s.Holds) return $"core #{c}'s TLB still caches a page after the run";
        }
        return null;
    }

    /// <summary>The route in OS core numbers, e.g. "4>[5,6,7] 1 2 3" (a>[...]: a forwards to the bracketed cores).</summary>
    public static string Describe(RoutingTree route, int[] cores)
    {
        if (route.Hops.Count == 0) return "no remote core";
        string hops = string.Join(" ", route.Hops.Select(h => h.Forward.Length == 0 ? $"{cores[h.Core]}" : $"{cores[h.Core]}>[{string.Join(',', h.Forward.Select(f => cores[f]))}]"));
        return route.ViaBroadcastBuffer ? $"one write to core {cores[0]}'s broadcast buffer, acks from {hops}" : hops;
    }

    static T Wait<T>(Task<T> task, string what)
    {
        if (!task.Wait(Stall)) throw new TimeoutException($"timed out after {Stall.TotalSeconds:0} s waiting for {what} (a lost message would stall a shootdown forever)");
        return task.Result;
    }
}

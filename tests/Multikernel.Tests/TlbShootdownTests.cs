
namespace Multikernel.Tests;

/// <summary>
/// The TLB shootdown on a booted multikernel (every allowed core): a 1PC among the monitors over real URPC bindings and
/// broadcast buffers whose apply step invalidates each core's TLB on that core; the address space is a domain's,
/// built by capability invocations on its first core.
/// </summary>
public sealed class TlbShootdownTests
{
    const ulong Base = 0x5000_0000;

    static T Wait<T>(Task<T> t)
    {
        Assert.True(t.Wait(TimeSpan.FromSeconds(60)), "timed out waiting for the cores");
        return t.Result;
    }

    /// <summary>Completes a task from the initiator's core when every participant has acknowledged.</summary>
    sealed class ToTask(Action<AgreementOutcome> done) : IAgreementCompletion
    {
        public void Decided(in AgreementOutcome outcome) { }
        public void Completed(in AgreementOutcome outcome) => done(outcome);
    }

    /// <summary>Maps a fresh frame of dispatcher 0's RAM at <paramref name="va"/> (through the monitors when the root needs a new table); returns its physical address.</summary>
    static ulong MapFresh(MultikernelSystem mk, Domain domain, ulong va) => Wait(mk.CallOnAsync<ulong>(0, (m, done) =>
    {
        var memory = domain.Dispatchers[0].Memory!;
        if (memory.Frames.TryAlloc(CapType.Frame, out var frame) != CapError.Ok) throw new InvalidOperationException("no frame");
        memory.Driver.Identify(memory.Space, frame, out var id);
        var e = m.Agreement.Coherence.Map(domain.AddressSpace, domain.CoreSet, va, frame, CapRights.ReadWrite, new Then(r =>
        {
            if (r.Error != CapError.Ok) throw new InvalidOperationException($"map failed: {r.Error}");
            done(id.Base);
        }));
        if (e != CapError.Ok) throw new InvalidOperationException($"map failed: {e}");
    }));

    sealed class Then(Action<CapOperationResult> next) : ICapOperationCompletion
    {
        public void Completed(in CapOperationResult result) => next(result);
    }

    /// <summary>Every core translates <paramref name="va"/> through its own TLB (a page walk that fills the entry).</summary>
    static bool[] FillAll(MultikernelSystem mk, Pmap space, ulong va, ulong pa) =>
        Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m =>
        {
            var t = m.Agreement.Coherence.Tlb;
            return t.TryTranslate(space, va, false, out ulong got) && got == pa && t.Holds(space.Id, va);
        }))).ToArray();

    static (bool Holds, bool Translates, long Applied)[] Probe(MultikernelSystem mk, Pmap space, ulong va) =>
        Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m =>
        {
            var a = m.Agreement;
            bool holds = a.Coherence.Tlb.Holds(space.Id, va);
            return (holds, a.Coherence.Tlb.TryTranslate(space, va, false, out ulong _), a.Coherence.Applied);
        }))).ToArray();

    [Theory]
    [InlineData(RoutingProtocol.Unicast)]
    [InlineData(RoutingProtocol.Broadcast)]
    [InlineData(RoutingProtocol.Multicast)]
    [InlineData(RoutingProtocol.NumaAwareMulticast)]
    public void AfterAnUnmapNoCoreTranslatesThePage(RoutingProtocol protocol)
    {
        long before = NativeBlock.LiveBytes;
        // Groups of two cores: with three or more cores this exercises real aggregators.
        using (var mk = MultikernelSystem.Boot(new MultikernelOptions { Grouping = RoutingGrouping.Fixed(2) }))
        using (var domain = Wait(Domain.CreateAsync(mk)))
        {
            var space = domain.AddressSpace;
            for (int round = 0; round < 3; round++)
            {
                ulong va = Base + (ulong)round * PageTables.PageSize;
                ulong pa = MapFresh(mk, domain, va);
                Assert.All(FillAll(mk, space, va, pa), Assert.True);
                var outcome = Wait(mk.CallOnAsync<AgreementOutcome>(0, (m, done) =>
                    Assert.Equal(CapError.Ok, m.Agreement.Coherence.Unmap(space, domain.CoreSet, va, 1, new ToTask(done), protocol))));
                Assert.True(outcome.Committed);
                Assert.False(outcome.TwoPhase);
                Assert.True(outcome.FinishedAt >= outcome.StartedAt);
                foreach (var (holds, translates, _) in Probe(mk, space, va))
                {
                    Assert.False(holds);
                    Assert.False(translates);
                }
            }
            Assert.All(Probe(mk, space, Base), p => Assert.Equal(3, p.Applied)); // every core applied each invalidation once, the initiator's own included
        }
        Assert.Equal(before, NativeBlock.LiveBytes); // rings, broadcast buffers and physical memory freed when the cores stopped
    }

    /// <summary>
    /// Unmapping the first page of a two-page frame removes the whole mapping (a frame maps as one), so the shootdown
    /// must cover both pages: no core may still translate the second page through its TLB once the unmap has completed.
    /// So too where the frame starts at the last page of the unmap (after a one-page frame): the shootdown reaches past
    /// the pages asked for.
    /// </summary>
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    public void AnUnmapThatRemovesATwoPageFrameShootsDownBothPages(int frameAtPage, int pagesUnmapped)
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions());
        using var domain = Wait(Domain.CreateAsync(mk));
        var space = domain.AddressSpace;
        const ulong Page = PageTables.PageSize;
        for (int p = 0; p < frameAtPage; p++) MapFresh(mk, domain, Base + (ulong)p * Page);
        ulong va = Base + (ulong)frameAtPage * Page;
        ulong pa = Wait(mk.CallOnAsync<ulong>(0, (m, done) =>
        {
            // Two pages at the top of dispatcher 0's RAM, which its frame allocator hands out last.
            var memory = domain.Dispatchers[0].Memory!;
            if (!memory.Slots.TryAlloc(out var frame)) throw new InvalidOperationException("no slot");
            var r = memory.Driver.Retype(memory.Space, CSpace.BootRam, CapType.Frame, memory.RamBytes - 2 * Page, 2 * Page, 1, frame);
            if (r != CapError.Ok) throw new InvalidOperationException($"retype failed: {r}");
            memory.Driver.Identify(memory.Space, frame, out var id);
            var e = m.Agreement.Coherence.Map(space, domain.CoreSet, va, frame, CapRights.ReadWrite, new Then(x =>
            {
                if (x.Error != CapError.Ok) throw new InvalidOperationException($"map failed: {x.Error}");
                done(id.Base);
            }));
            if (e != CapError.Ok) throw new InvalidOperationException($"map failed: {e}");
        }));
        Assert.All(FillAll(mk, space, va + Page, pa + Page), Assert.True);
        var outcome = Wait(mk.CallOnAsync<AgreementOutcome>(0, (m, done) =>
            Assert.Equal(CapError.Ok, m.Agreement.Coherence.Unmap(space, domain.CoreSet, Base, pagesUnmapped, new ToTask(done)))));
        Assert.True(outcome.Committed);
        foreach (var (holds, translates, _) in Probe(mk, space, va + Page))
        {
            Assert.False(holds, "a core's TLB still holds the frame's second page after the unmap completed");
            Assert.False(translates);
        }
    }

    /// <summary>Runs <paramref name="count"/> shootdowns back to back from one core, each started from the previous one's completion.</summary>
    sealed class Chain(PageTableCoherence engine, RoutingProtocol protocol, CoreSet participants, ulong space, ulong va, int count, Action<int> done) : IAgreementCompletion
    {
        int _completed;
        public void Start() => engine.Shootdown(protocol, participants, space, va, 1, this);
        public void Decided(in AgreementOutcome outcome) { }
        public void Completed(in AgreementOutcome o)
        {
            if (++_completed < count) Start();
            else done(_completed);
        }
    }

    [Fact]
    public void ConcurrentShootdownsFromTwoInitiatorsBothComplete()
    {
        using var mk = MultikernelSystem.Boot();
        Assert.SkipWhen(mk.CoreCount < 2, "needs two initiators on two cores; this process may use one");
        var all = CoreSet.FirstN(mk.CoreCount);
        const int N = 2000;
        const ulong SpaceId = 77; // shootdowns need no mapping: an invalidation of a page no TLB caches still runs everywhere
        var a = mk.CallOnAsync<int>(0, (m, done) => new Chain(m.Agreement.Coherence, RoutingProtocol.Broadcast, all, SpaceId, Base, N, done).Start());
        var b = mk.CallOnAsync<int>(1, (m, done) => new Chain(m.Agreement.Coherence, RoutingProtocol.NumaAwareMulticast, all, SpaceId, Base + PageTables.PageSize, N, done).Start());
        Assert.Equal(N, Wait(a));
        Assert.Equal(N, Wait(b));
        var state = Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m => (m.Agreement.Node.Coordinator.Active, m.Agreement.Coherence.Applied)))).ToArray();
        Assert.All(state, s => Assert.Equal(0, s.Active));
        Assert.All(state, s => Assert.Equal(2 * N, s.Applied)); // every core applied both initiators' invalidations once each
    }

    /// <summary>
    /// An unmap or a map whose participants name a core the system does not have is refused before it changes anything.
    /// It was refused only when the agreement started: an unmap had removed the page by then, with no shootdown to
    /// follow on any core, and a map had prepared a root table that stayed pending, so that root entry refused every
    /// later insert (<see cref="CapError.VNodeSlotInUse"/>).
    /// </summary>
    [Fact]
    public void AnUnmapOrAMapNamingACoreTheSystemLacksIsRefusedBeforeItChangesAnything()
    {
        int core = CoreAffinity.AllowedCpus()[0];
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [core] });
        using var domain = Wait(Domain.CreateAsync(mk));
        var space = domain.AddressSpace;
        MapFresh(mk, domain, Base);
        var beyond = CoreSet.FirstN(2);                    // core index 1: this system has one core
        const ulong FarVa = 3UL << 39;                     // a root entry with no table yet
        int entry = Pmap.RootEntryOf(FarVa);
        var (unmapRefused, stillMapped, mapRefused, prepare) = Wait(mk.CallOn(0, m =>
        {
            var c = m.Agreement.Coherence;
            bool unmapRefused = Refused(() => c.Unmap(space, beyond, Base, 1, new ToTask(_ => { })));
            bool stillMapped = space.TryWalk(Base, out _);
            space.SharedRoot = true;                       // a new root table needs the monitors' agreement
            var memory = domain.Dispatchers[0].Memory!;
            if (memory.Frames.TryAlloc(CapType.Frame, out var frame) != CapError.Ok) throw new InvalidOperationException("no frame");
            bool mapRefused = Refused(() => c.Map(space, beyond, FarVa, frame, CapRights.ReadWrite, new Then(_ => { })));
            var prepare = space.PrepareRootTable(entry, out _);
            if (prepare == CapError.Ok) space.DropRootTable(entry);
            return (unmapRefused, stillMapped, mapRefused, prepare);
        }));
        Assert.True(unmapRefused, "the unmap naming core index 1 was not refused");
        Assert.True(stillMapped, "a refused unmap removed the page");
        Assert.True(mapRefused, "the map naming core index 1 was not refused");
        Assert.Equal(CapError.Ok, prepare);                // no table left pending in that root entry
    }

    static bool Refused(Action call)
    {
        try { call(); return false; }
        catch (ArgumentOutOfRangeException) { return true; }
    }

    [Fact]
    public void OneCoreSystemCompletesLocally()
    {
        int core = CoreAffinity.AllowedCpus()[0];
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [core] });
        using var domain = Wait(Domain.CreateAsync(mk));
        ulong pa = MapFresh(mk, domain, Base);
        Assert.True(FillAll(mk, domain.AddressSpace, Base, pa)[0]);
        var outcome = Wait(mk.CallOnAsync<AgreementOutcome>(0, (m, done) =>
            Assert.Equal(CapError.Ok, m.Agreement.Coherence.Unmap(domain.AddressSpace, domain.CoreSet, Base, 1, new ToTask(done)))));
        Assert.Equal(1, outcome.Rounds);
        Assert.False(Probe(mk, domain.AddressSpace, Base)[0].Holds);
        Assert.False(Wait(mk.CallOn(0, _ => domain.AddressSpace.TryWalk(Base, out ulong _))));
    }

    [Fact]
    public void RoutingTopologyMustCoverTheBootedCores()
    {
        var tiny = new MachineTopology([new CoreInfo(9999, 0, 0, 0, 0)]);
        var e = Assert.Throws<ArgumentException>(() => MultikernelSystem.Boot(new MultikernelOptions { Topology = tiny }));
        Assert.Contains("not in the topology", e.Message);
    }

    /// <summary>Allocation on the calling core's thread between two points of a run (GC counter per thread).</summary>
    static long Allocated() => GC.GetAllocatedBytesForCurrentThread();

    [Fact]
    public void ShootdownHotPathAllocatesNothingOnAnyCore()
    {
        using var mk = MultikernelSystem.Boot();
        var all = CoreSet.FirstN(mk.CoreCount);
        const int N = 5000;
        foreach (var protocol in Enum.GetValues<RoutingProtocol>())
        {
            if (mk.CoreCount == 1 && protocol == RoutingProtocol.Broadcast) continue;
            // Warm up: routes cached, dictionaries sized, code tiered.
            Wait(mk.CallOnAsync<int>(0, (m, done) => new Chain(m.Agreement.Coherence, protocol, all, 5, Base, 200, done).Start()));
            var remoteBefore = Enumerable.Range(1, mk.CoreCount - 1).Select(c => Wait(mk.CallOn(c, _ => Allocated()))).ToArray();
            long initiator = Wait(mk.CallOnAsync<long>(0, (m, done) =>
            {
                long before = Allocated();
                new Chain(m.Agreement.Coherence, protocol, all, 5, Base, N, _ => done(Allocated() - before)).Start();
            }));
            var remoteAfter = Enumerable.Range(1, mk.CoreCount - 1).Select(c => Wait(mk.CallOn(c, _ => Allocated()))).ToArray();
            // Only the chain object, its completion closure and the host call's own bookkeeping: nothing per shootdown.
            Assert.True(initiator < 1024, $"{protocol}: the initiator allocated {initiator} bytes over {N} shootdowns");
            for (int i = 0; i < remoteBefore.Length; i++)
                Assert.True(remoteAfter[i] - remoteBefore[i] < 1024, $"{protocol}: core #{i + 1} allocated {remoteAfter[i] - remoteBefore[i]} bytes over {N} requests");
        }
    }
}

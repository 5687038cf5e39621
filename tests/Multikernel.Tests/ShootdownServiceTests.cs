using Multikernel.Hardware;
using Multikernel.Memory;
using Multikernel.Monitor;

namespace Multikernel.Tests;

/// <summary>
/// The shootdown service on a booted multikernel (every allowed core): real URPC bindings and broadcast buffers,
/// each core's TLB touched only on its own core.
/// </summary>
public sealed class ShootdownServiceTests : IDisposable
{
    const ulong Base = 0x5000_0000;
    readonly PhysicalMemory _mem = new(1L << 20);
    readonly FrameAllocator _frames;
    readonly VSpace _vs;
    readonly ulong _frame;

    public ShootdownServiceTests()
    {
        _frames = new FrameAllocator(_mem);
        _vs = new VSpace(_frames);
        _frame = _frames.Alloc();
    }

    public void Dispose()
    {
        _vs.Dispose();
        _mem.Dispose();
    }

    /// <summary>Completes a task from the initiator's core.</summary>
    sealed class ToTask(Action<ShootdownOutcome> done) : IShootdownCompletion
    {
        public void ShootdownCompleted(in ShootdownOutcome outcome) => done(outcome);
    }

    static T Wait<T>(Task<T> t)
    {
        Assert.True(t.Wait(TimeSpan.FromSeconds(30)), "timed out waiting for the cores");
        return t.Result;
    }

    /// <summary>Every core translates <paramref name="va"/> through its own TLB (a page walk that fills the entry); returns what each core holds afterwards.</summary>
    bool[] FillAll(MultikernelSystem mk, ShootdownInstallation tlb, ulong va)
    {
        var held = new bool[mk.CoreCount];
        for (int c = 0; c < mk.CoreCount; c++)
        {
            int core = c;
            held[c] = Wait(mk.CallOn(c, _ =>
            {
                var t = tlb.On(core).Tlb;
                return t.TryTranslate(_vs, va, false, out ulong pa) && pa == _frame && t.Holds(_vs.Id, va);
            }));
        }
        return held;
    }

    (bool Holds, bool Translates, long Served)[] Probe(MultikernelSystem mk, ShootdownInstallation tlb, ulong va) =>
        Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, _ =>
        {
            var s = tlb.On(c);
            bool holds = s.Tlb.Holds(_vs.Id, va);
            return (holds, s.Tlb.TryTranslate(_vs, va, false, out ulong _), s.Protocol.RequestsServed);
        }))).ToArray();

    [Theory]
    [InlineData(RoutingProtocol.Unicast)]
    [InlineData(RoutingProtocol.Broadcast)]
    [InlineData(RoutingProtocol.Multicast)]
    [InlineData(RoutingProtocol.NumaAwareMulticast)]
    public void AfterAShootdownNoCoreTranslatesTheUnmappedPage(RoutingProtocol protocol)
    {
        long before = NativeBlock.LiveBytes;
        using (var mk = MultikernelSystem.Boot())
        {
            // Groups of two cores: with three or more cores this exercises real aggregators.
            var tlb = ShootdownInstallation.Install(mk, new ShootdownOptions { Grouping = RoutingGrouping.Fixed(2) });
            var all = CoreSet.FirstN(mk.CoreCount);
            for (int round = 0; round < 3; round++)
            {
                ulong va = Base + (ulong)round * VSpace.PageSize;
                _vs.Map(va, _frame, PageRights.ReadWrite);
                Assert.All(FillAll(mk, tlb, va), Assert.True);
                int initiator = round % mk.CoreCount;
                var outcome = Wait(mk.CallOnAsync<ShootdownOutcome>(initiator, (m, done) =>
                    tlb.On(initiator).Protocol.Unmap(_vs, all, va, 1, new ToTask(done), protocol)));
                Assert.Equal(protocol, outcome.Protocol);
                Assert.Equal(mk.CoreCount - 1, outcome.CoresAcknowledged);
                Assert.True(outcome.CompletedAt >= outcome.StartedAt);
                foreach (var (holds, translates, _) in Probe(mk, tlb, va))
                {
                    Assert.False(holds);
                    Assert.False(translates);
                }
            }
            var served = Probe(mk, tlb, Base).Select(p => p.Served).ToArray();
            for (int c = 0; c < mk.CoreCount; c++)
                Assert.Equal(Enumerable.Range(0, 3).Count(r => r % mk.CoreCount != c), served[c]);
        }
        Assert.Equal(before, NativeBlock.LiveBytes); // broadcast buffers freed when the cores stopped
    }

    /// <summary>Runs <paramref name="count"/> shootdowns back to back from one core, each started from the previous one's completion.</summary>
    sealed class Chain(ShootdownProtocol engine, RoutingProtocol protocol, CoreSet participants, ulong space, ulong va, int count, Action<(int Completed, int Acks)> done) : IShootdownCompletion
    {
        int _completed, _acks;
        public void Start() => engine.Start(protocol, participants, space, va, 1, this);
        public void ShootdownCompleted(in ShootdownOutcome o)
        {
            _completed++;
            _acks += o.CoresAcknowledged;
            if (_completed < count) Start();
            else done((_completed, _acks));
        }
    }

    [Fact]
    public void ConcurrentShootdownsFromTwoInitiatorsBothComplete()
    {
        using var mk = MultikernelSystem.Boot();
        Assert.SkipWhen(mk.CoreCount < 2, "needs two initiators on two cores; this process may use one");
        var tlb = ShootdownInstallation.Install(mk);
        var all = CoreSet.FirstN(mk.CoreCount);
        const int N = 2000;
        ulong va0 = Base, va1 = Base + VSpace.PageSize;
        var a = mk.CallOnAsync<(int, int)>(0, (m, done) => new Chain(tlb.On(0).Protocol, RoutingProtocol.Broadcast, all, _vs.Id, va0, N, done).Start());
        var b = mk.CallOnAsync<(int, int)>(1, (m, done) => new Chain(tlb.On(1).Protocol, RoutingProtocol.NumaAwareMulticast, all, _vs.Id, va1, N, done).Start());
        Assert.Equal((N, N * (mk.CoreCount - 1)), Wait(a));
        Assert.Equal((N, N * (mk.CoreCount - 1)), Wait(b));
        var state = Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, _ => (tlb.On(c).Protocol.InFlight, tlb.On(c).Protocol.RequestsServed)))).ToArray();
        Assert.All(state, s => Assert.Equal(0, s.InFlight));
        Assert.Equal(N, state[0].RequestsServed);   // every one of core 1's requests, once
        Assert.Equal(N, state[1].RequestsServed);
        for (int c = 2; c < mk.CoreCount; c++) Assert.Equal(2 * N, state[c].RequestsServed);
    }

    [Fact]
    public void OneCoreSystemCompletesLocally()
    {
        int core = CoreAffinity.AllowedCpus()[0];
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [core] });
        var tlb = ShootdownInstallation.Install(mk);
        _vs.Map(Base, _frame, PageRights.ReadOnly);
        Assert.True(FillAll(mk, tlb, Base)[0]);
        var outcome = Wait(mk.CallOnAsync<ShootdownOutcome>(0, (m, done) =>
            tlb.On(0).Protocol.Unmap(_vs, CoreSet.FirstN(1), Base, 1, new ToTask(done))));
        Assert.Equal(0, outcome.CoresAcknowledged);
        Assert.False(Probe(mk, tlb, Base)[0].Holds);
        Assert.Equal(0, _vs.MappedPages);
    }

    [Fact]
    public void RoutingTopologyMustCoverTheBootedCores()
    {
        using var mk = MultikernelSystem.Boot();
        var tiny = new MachineTopology([new CoreInfo(9999, 0, 0, 0, 0)]);
        var e = Assert.Throws<ArgumentException>(() => ShootdownInstallation.Install(mk, new ShootdownOptions { Topology = tiny }));
        Assert.Contains("not in the routing topology", e.Message);
    }

    /// <summary>Allocation on the calling core's thread between two points of a run (GC counter per thread).</summary>
    static long Allocated() => GC.GetAllocatedBytesForCurrentThread();

    [Fact]
    public void ShootdownHotPathAllocatesNothingOnAnyCore()
    {
        using var mk = MultikernelSystem.Boot();
        var tlb = ShootdownInstallation.Install(mk);
        var all = CoreSet.FirstN(mk.CoreCount);
        const int N = 5000;
        foreach (var protocol in Enum.GetValues<RoutingProtocol>())
        {
            if (mk.CoreCount == 1 && protocol == RoutingProtocol.Broadcast) continue;
            // Warm up: routes cached, dictionaries sized, code tiered.
            Wait(mk.CallOnAsync<(int, int)>(0, (m, done) => new Chain(tlb.On(0).Protocol, protocol, all, _vs.Id, Base, 200, done).Start()));
            var remoteBefore = Enumerable.Range(1, mk.CoreCount - 1).Select(c => Wait(mk.CallOn(c, _ => Allocated()))).ToArray();
            long initiator = Wait(mk.CallOnAsync<long>(0, (m, done) =>
            {
                long before = Allocated();
                new Chain(tlb.On(0).Protocol, protocol, all, _vs.Id, Base, N, _ => done(Allocated() - before)).Start();
            }));
            var remoteAfter = Enumerable.Range(1, mk.CoreCount - 1).Select(c => Wait(mk.CallOn(c, _ => Allocated()))).ToArray();
            // Only the chain object, its completion closure and the host call's own bookkeeping: nothing per shootdown.
            Assert.True(initiator < 1024, $"{protocol}: the initiator allocated {initiator} bytes over {N} shootdowns");
            for (int i = 0; i < remoteBefore.Length; i++)
                Assert.True(remoteAfter[i] - remoteBefore[i] < 1024, $"{protocol}: core #{i + 1} allocated {remoteAfter[i] - remoteBefore[i]} bytes over {N} requests");
        }
    }
}

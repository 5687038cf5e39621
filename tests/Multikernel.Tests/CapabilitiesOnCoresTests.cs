using System.Diagnostics;

namespace Multikernel.Tests;

/// <summary>
/// Capabilities across the cores of a booted multikernel: transfer, give, revoke, last-copy delete and shared retype
/// through the monitors' agreement; the memory server refilling a core's RAM cache; domains whose dispatchers hold
/// CSpaces with RAM, placed in every monitor's replica, whose address space inserts root tables by 2PC.
/// </summary>
public sealed class CapabilitiesOnCoresTests
{
    static T Wait<T>(Task<T> t)
    {
        Assert.True(t.Wait(TimeSpan.FromSeconds(60)), "timed out waiting for the cores");
        return t.Result;
    }

    sealed class Then(Action<CapOperationResult> next) : ICapOperationCompletion
    {
        public void Completed(in CapOperationResult result) => next(result);
    }

    static CapOperationResult Run(MultikernelSystem mk, int core, Func<MonitorDispatcher, ICapOperationCompletion, CapError> start) =>
        Wait(mk.CallOnAsync<CapOperationResult>(core, (m, done) =>
        {
            var e = start(m, new Then(done));
            if (e != CapError.Ok) done(new CapOperationResult(e, false, default, default));
        }));

    /// <summary>
    /// Every core's replica of the system tables, as text, read once the system is settled: no agreement is still
    /// coordinated on any core (every participant has acknowledged, so applied, every decision) and no RAM cache
    /// waits for a refill (a retype that takes a cache below its low-water mark asks for one in the background, and
    /// its give changes the tables). Replicas read one core after another while either is under way may differ.
    /// </summary>
    static string[] Tables(MultikernelSystem mk)
    {
        var settle = Stopwatch.StartNew();
        while (Enumerable.Range(0, mk.CoreCount).Any(c => Wait(mk.CallOn(c, m => m.Agreement.Node.Coordinator.Active != 0 || m.Ram is { RefillInFlight: true }))))
        {
            Assert.True(settle.Elapsed < TimeSpan.FromSeconds(30), "the cores did not settle (agreements or refills still under way) within 30 s");
            Thread.Sleep(1);
        }
        return Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m => m.Agreement.Replica.Describe()))).ToArray();
    }

    static CapType TypeAt(MultikernelSystem mk, Domain domain, int index, Cptr slot) =>
        Wait(mk.CallOn(domain.CoreIndices[index], _ => domain.Dispatchers[index].Memory!.Space[slot].Type));

    static Cptr TakeSlot(MultikernelSystem mk, Domain domain, int index) =>
        Wait(mk.CallOn(domain.CoreIndices[index], _ => domain.Dispatchers[index].Memory!.Slots.TryAlloc(out var s) ? s : throw new InvalidOperationException("no slot")));

    static Cptr AllocFrame(MultikernelSystem mk, Domain domain, int index) =>
        Wait(mk.CallOn(domain.CoreIndices[index], _ => domain.Dispatchers[index].Memory!.Frames.TryAlloc(CapType.Frame, out var f) == CapError.Ok ? f : throw new InvalidOperationException("no frame")));

    /// <summary>A domain on every core whose dispatcher 0 has sent a read-write copy of a frame of its RAM to dispatcher 1.</summary>
    static Domain CreateDomainWithAFrameSentToDispatcher1(MultikernelSystem mk) => CreateDomainWithAFrameSentToDispatcher1(mk, null, out _);

    /// <summary>
    /// A domain on <paramref name="cores"/> (null: every core) whose dispatcher 0 has sent a read-write copy of
    /// <paramref name="frame"/>, a frame of its RAM, to dispatcher 1.
    /// </summary>
    static Domain CreateDomainWithAFrameSentToDispatcher1(MultikernelSystem mk, int[]? cores, out Cptr frame)
    {
        var domain = Wait(Domain.CreateAsync(mk, cores));
        var (d0, d1) = (domain.Dispatchers[0], domain.Dispatchers[1]);
        var sent = AllocFrame(mk, domain, 0);
        var dest = TakeSlot(mk, domain, 1);
        Assert.Equal(CapError.Ok, Run(mk, 0, (m, done) => m.SendCapability(d0.Memory!.Space, sent, d1.Id, dest, CapRights.ReadWrite, done)).Error);
        frame = sent;
        return domain;
    }

    /// <summary>After a failed fault test: lets the held core go on (so that it faults and its CPU driver ends) and
    /// disposes <paramref name="mk"/>, whatever that throws, so the test's own failure is the one reported.</summary>
    static void ReleaseAndDispose(MultikernelSystem mk, ManualResetEventSlim? release)
    {
        release?.Set();
        Record.Exception(() => mk.Dispose());
    }

    /// <summary>Shuts <paramref name="mk"/> down: the one core a <see cref="FaultsOnStart"/> faulted reports its injected
    /// fault, and no other core fails.</summary>
    static void AssertShutdownReportsOnlyTheInjectedFault(MultikernelSystem mk) =>
        Assert.IsType<InvalidDataException>(Assert.Single(Assert.IsType<AggregateException>(Record.Exception(() => mk.Shutdown(TimeSpan.FromSeconds(10)))).InnerExceptions));

    /// <summary>Boots every allowed core; with fewer than two the system is shut down again and the test skipped.</summary>
    static MultikernelSystem BootAtLeastTwoCores(MultikernelOptions? options = null)
    {
        var mk = MultikernelSystem.Boot(options);
        bool enough = mk.CoreCount >= 2;
        if (!enough) mk.Dispose();
        Assert.SkipUnless(enough, "needs two cores; this process may use one");
        return mk;
    }

    [Fact]
    public void TransferRevokeAndLastCopyDeleteRunThroughTheMonitors()
    {
        using var mk = BootAtLeastTwoCores();
        using var domain = Wait(Domain.CreateAsync(mk));
        var (d0, d1) = (domain.Dispatchers[0], domain.Dispatchers[1]);
        var frame = AllocFrame(mk, domain, 0);
        var dest = TakeSlot(mk, domain, 1);

        // Transfer: 2PC among all monitors, then delivery into dispatcher 1's CSpace.
        var sent = Run(mk, 0, (m, done) => m.SendCapability(d0.Memory!.Space, frame, d1.Id, dest, CapRights.ReadWrite, done));
        Assert.Equal(CapError.Ok, sent.Error);
        Assert.True(sent.Distributed && sent.Agreement.Committed && sent.Agreement.TwoPhase);
        Assert.Equal(CapType.Frame, TypeAt(mk, domain, 1, dest));
        Assert.Equal((CapRights.ReadWrite, sent.Sent.Key), Wait(mk.CallOn(1, _ => (d1.Memory!.Space[dest].Rights, d1.Memory.Space[dest].Key))));
        var tables = Tables(mk);
        Assert.All(tables, t => Assert.Equal(tables[0], t));
        Assert.Contains("holders {0,1}", tables[0]);

        // The receiver's delete of its only copy of a shared object is a 2PC too (it stops being a holder).
        Assert.Equal(CapError.NeedsAgreement, Wait(mk.CallOn(1, _ => d1.Memory!.Driver.Delete(d1.Memory.Space, dest))));
        var deleted = Run(mk, 1, (m, done) => m.Agreement.Capabilities!.Delete(d1.Memory!.Space, dest, done, AgreementService.Now));
        Assert.Equal(CapError.Ok, deleted.Error);
        Assert.Equal(CapType.Null, TypeAt(mk, domain, 1, dest));
        tables = Tables(mk);
        Assert.All(tables, t => Assert.Equal(tables[0], t));
        Assert.Contains("holders {0}", tables[0]);

        // Send it again, then revoke from the sender: every other copy goes, the sender keeps its own.
        Assert.Equal(CapError.Ok, Run(mk, 0, (m, done) => m.SendCapability(d0.Memory!.Space, frame, d1.Id, dest, CapRights.Read, done)).Error);
        Assert.Equal(CapType.Frame, TypeAt(mk, domain, 1, dest));
        var revoked = Run(mk, 0, (m, done) => m.Agreement.Capabilities!.Revoke(d0.Memory!.Space, frame, done, AgreementService.Now));
        Assert.Equal(CapError.Ok, revoked.Error);
        Assert.True(revoked.Distributed);
        Assert.Equal(CapType.Null, TypeAt(mk, domain, 1, dest));
        Assert.Equal(CapType.Frame, TypeAt(mk, domain, 0, frame));
        tables = Tables(mk);
        Assert.All(tables, t => Assert.Equal(tables[0], t));
        Assert.Null(Wait(mk.CallOn(0, _ => d0.Memory!.Driver.Validate())));
        Assert.Null(Wait(mk.CallOn(1, _ => d1.Memory!.Driver.Validate())));
    }

    /// <summary>
    /// Core 1's CPU driver faults after dispatcher 1 got a copy of a frame: a capability sent to dispatcher 1 now is
    /// refused at once (<see cref="CapError.CoreFaulted"/>: no monitor there would import it), and a revoke from
    /// core 0, a 2PC of the monitors, commits among the live ones instead of waiting for core 1 for ever.
    /// </summary>
    [Fact]
    public void AfterACoreFaultsCapabilitiesAreNotSentThereAndAgreementsCommitWithoutIt()
    {
        var mk = BootAtLeastTwoCores();
        try
        {
            var domain = CreateDomainWithAFrameSentToDispatcher1(mk, [0, 1], out var shared);
            var (d0, d1) = (domain.Dispatchers[0], domain.Dispatchers[1]);
            var frame = AllocFrame(mk, domain, 0);
            var dest = TakeSlot(mk, domain, 1);
            Wait(mk.SpawnAsync(1, 1, () => new FaultsOnStart()).ContinueWith(_ => true));
            Assert.True(SpinWait.SpinUntil(() => Wait(mk.CallOn(0, m => m.Agreement.Node.Faulted.Contains(1))), TimeSpan.FromSeconds(10)),
                "core 0's monitor was not told of core 1's fault within 10 s");
            Assert.Equal(CapError.CoreFaulted, Run(mk, 0, (m, done) => m.SendCapability(d0.Memory!.Space, frame, d1.Id, dest, CapRights.ReadWrite, done)).Error);
            var revoked = Run(mk, 0, (m, done) => m.Agreement.Capabilities!.Revoke(d0.Memory!.Space, shared, done, AgreementService.Now));
            Assert.Equal(CapError.Ok, revoked.Error);
            Assert.True(revoked.Distributed && revoked.Agreement.Committed);
            Assert.Equal(CoreSet.Empty.With(1), revoked.Agreement.Lost);
            Assert.Contains("core #1", Assert.IsType<InvalidOperationException>(Record.Exception(() => domain.Dispose())).Message);
        }
        catch
        {
            ReleaseAndDispose(mk, release: null);
            throw;
        }
        AssertShutdownReportsOnlyTheInjectedFault(mk);
    }

    /// <summary>A dispatcher that holds its core (its start upcall waits, so nothing else runs there, the monitor
    /// included) until released, then throws: its core's CPU driver faults.</summary>
    sealed class HoldsThenFaults(ManualResetEventSlim holding, ManualResetEventSlim release) : Dispatcher("holds, then faults")
    {
        protected internal override void OnStart()
        {
            holding.Set();
            release.Wait(TimeSpan.FromSeconds(60));
            throw new InvalidDataException("injected fault");
        }
    }

    /// <summary>
    /// A revoke whose 2PC still waits for core 1's vote when core 1's CPU driver faults: the agreement aborts naming the
    /// fault, and the revoke reports <see cref="CapError.CoreFaulted"/>. The abort's refusal byte is 0, so reading the
    /// error from it would have said Ok; the vote timeout is set far beyond the test, so the abort is the fault's.
    /// </summary>
    [Fact]
    public void ARevokeWaitingForTheVoteOfACoreThatFaultsFailsWithCoreFaulted()
    {
        var mk = BootAtLeastTwoCores(new MultikernelOptions
        {
            Agreement = MultikernelOptions.DefaultAgreement() with { VoteTimeout = (long)CycleClock.FromNanoseconds(120e9) },
        });
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        try
        {
            var domain = CreateDomainWithAFrameSentToDispatcher1(mk, [0, 1], out var shared);
            var d0 = domain.Dispatchers[0];
            _ = mk.SpawnAsync(1, 1, () => new HoldsThenFaults(holding, release));
            Assert.True(holding.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "core 1 did not start the holding dispatcher within 10 s");
            var revoke = mk.CallOnAsync<CapOperationResult>(0, (m, done) =>
            {
                var e = m.Agreement.Capabilities!.Revoke(d0.Memory!.Space, shared, new Then(done), AgreementService.Now);
                if (e != CapError.Ok) done(new CapOperationResult(e, false, default, default));
            });
            Assert.True(SpinWait.SpinUntil(() => Wait(mk.CallOn(0, m => m.Agreement.Node.Coordinator.Active)) > 0, TimeSpan.FromSeconds(10)),
                "core 0 started no agreement for the revoke within 10 s");
            Assert.False(revoke.IsCompleted, "the revoke completed while core 1 could not vote");
            release.Set();
            var result = Wait(revoke);
            Assert.Equal(CapError.CoreFaulted, result.Error);
            Assert.True(result.Distributed);
            Assert.False(result.Agreement.Committed);
            Assert.Equal(AgreementAbortReason.ParticipantFaulted, result.Agreement.Reason);
            Assert.Equal(1, result.Agreement.FaultedCore);
            Record.Exception(() => domain.Dispose());
        }
        catch
        {
            ReleaseAndDispose(mk, release);
            throw;
        }
        AssertShutdownReportsOnlyTheInjectedFault(mk);
    }

    /// <summary>
    /// A domain whose dispatcher 0 sent a frame of its RAM to dispatcher 1 on another core is torn down: its RAM goes
    /// back to core 0's RAM cache only once no core holds a frame of it any more, so no ownership row is left naming
    /// another core, and the cache can hand the RAM out again (a second domain gets its CSpace there).
    /// </summary>
    [Fact]
    public void ATornDownDomainWhoseFrameWentToAnotherCoreLeavesTheRamCacheUsable()
    {
        using var mk = BootAtLeastTwoCores();
        var free = Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m => m.Ram!.FreeBytes))).ToArray();
        var domain = CreateDomainWithAFrameSentToDispatcher1(mk);
        domain.Dispose();

        var tables = Tables(mk);
        Assert.All(tables, t => Assert.Equal(tables[0], t));
        Assert.DoesNotContain("holders {0,1}", tables[0]);
        Assert.Equal(free, Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m => m.Ram!.FreeBytes))).ToArray());
        using var again = Wait(Domain.CreateAsync(mk));
        Assert.All(Enumerable.Range(0, mk.CoreCount), c => Assert.Null(Wait(mk.CallOn(c, m => m.Driver.Capabilities!.Validate()))));
    }

    /// <summary>
    /// While a frame of a dispatcher's RAM on core 0 is held on core 1, core 0's RAM cache still hands out its other
    /// RAM: a second domain gets its CSpace there (the retype's range overlaps nothing another core holds).
    /// </summary>
    [Fact]
    public void ADomainIsCreatedOnACoreWhoseRamCacheHasAFrameOnAnotherCore()
    {
        using var mk = BootAtLeastTwoCores();
        using var domain = CreateDomainWithAFrameSentToDispatcher1(mk);
        using var second = Wait(Domain.CreateAsync(mk, [0]));
        Assert.NotNull(Wait(mk.CallOn(0, _ => second.Dispatchers[0].Memory)));
    }

    [Fact]
    public void AGiftLeavesTheSenderWithoutACopyAndARetypeOfSharedRamAsksEveryHolder()
    {
        using var mk = BootAtLeastTwoCores();
        using var domain = Wait(Domain.CreateAsync(mk));
        var (d0, d1) = (domain.Dispatchers[0], domain.Dispatchers[1]);
        // A 64 KiB RAM object retyped from dispatcher 0's RAM.
        var ram = TakeSlot(mk, domain, 0);
        Assert.Equal(CapError.Ok, Wait(mk.CallOn(0, _ => d0.Memory!.Driver.Retype(d0.Memory.Space, CSpace.BootRam, CapType.Ram, 128 * 1024, 64 * 1024, 1, ram))));
        var copy = TakeSlot(mk, domain, 1);
        Assert.Equal(CapError.Ok, Run(mk, 0, (m, done) => m.SendCapability(d0.Memory!.Space, ram, d1.Id, copy, CapRights.All, done)).Error);

        // Core 1 retypes a frame from its copy: a retype of a shared object, so every holder checks its descendants first.
        var frame1 = TakeSlot(mk, domain, 1);
        var r1 = Run(mk, 1, (m, done) => m.Agreement.Capabilities!.Retype(d1.Memory!.Space, copy, CapType.Frame, 0, 4096, 1, frame1, done, AgreementService.Now));
        Assert.Equal(CapError.Ok, r1.Error);
        Assert.True(r1.Distributed);
        Assert.Equal(CapType.Frame, TypeAt(mk, domain, 1, frame1));
        // Core 0 asks for an overlapping frame: core 1 votes no (its frame overlaps), nothing is created.
        var frame0 = TakeSlot(mk, domain, 0);
        var r0 = Run(mk, 0, (m, done) => m.Agreement.Capabilities!.Retype(d0.Memory!.Space, ram, CapType.Frame, 0, 4096, 1, frame0, done, AgreementService.Now));
        Assert.Equal(CapError.RevokeFirst, r0.Error);
        Assert.Equal(CapType.Null, TypeAt(mk, domain, 0, frame0));
        // A range nobody uses is fine.
        Assert.Equal(CapError.Ok, Run(mk, 0, (m, done) => m.Agreement.Capabilities!.Retype(d0.Memory!.Space, ram, CapType.Frame, 4096, 4096, 1, frame0, done, AgreementService.Now)).Error);

        // Give: core 1's frame goes to dispatcher 0, and core 1 keeps no capability to it.
        var gift = TakeSlot(mk, domain, 0);
        var g = Run(mk, 1, (m, done) => m.SendCapability(d1.Memory!.Space, frame1, d0.Id, gift, CapRights.ReadWrite, done, give: true));
        Assert.Equal(CapError.Ok, g.Error);
        Assert.Equal(CapType.Null, TypeAt(mk, domain, 1, frame1));
        Assert.Equal(CapType.Frame, TypeAt(mk, domain, 0, gift));
        var tables = Tables(mk);
        Assert.All(tables, t => Assert.Equal(tables[0], t));
    }

    [Fact]
    public void TheMemoryServerRefillsACoresRamCacheThroughTheMonitors()
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { CoreRamBytes = 256 * 1024 });
        int core = mk.CoreCount - 1; // the boot core's cache works the same way, its delivery is a local move
        var before = Wait(mk.CallOn(0, _ => (mk.MemoryServer.FreeChunks, mk.MemoryServer.Granted)));
        var (error, refills, total) = Wait(mk.CallOnAsync<(CapError, int, ulong)>(core, (m, done) =>
            m.Ram!.Reserve(512 * 1024, (e, r) =>
            {
                if (r != null) m.Ram.Unreserve(r);
                done((e, m.Ram.Refills, m.Ram.TotalBytes));
            })));
        Assert.Equal(CapError.Ok, error);
        Assert.Equal(1, refills);
        Assert.Equal(256 * 1024 + (1UL << 20), total);
        var after = Wait(mk.CallOn(0, _ => (mk.MemoryServer.FreeChunks, mk.MemoryServer.Granted)));
        Assert.Equal((before.FreeChunks - 1, before.Granted + 1), after);
        // Now the cache can hand out more than its boot RAM held.
        // Handing out 512 KiB takes the cache below its low-water mark (one refill), so it asks for a second refill in
        // the background.
        Assert.Equal((CapError.Ok, true), Wait(mk.CallOn(core, m =>
        {
            var e = m.Ram!.CreateSpace(512 * 1024, out var memory);
            if (e == CapError.Ok) memory.Dispose();
            return (e, m.Ram.RefillInFlight);
        })));
        var tables = Tables(mk); // after the second refill's give (Tables waits for it)
        Assert.Equal(2, Wait(mk.CallOn(core, m => m.Ram!.Refills)));
        Assert.All(tables, t => Assert.Equal(tables[0], t));
        if (core != 0) Assert.Contains($"holders {{{core}}}", tables[0]); // given: the server's core holds no copy
    }

    [Fact]
    public void ARamRequestThatNoRefillCanServeIsRefusedNotLeftWaiting()
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { CoreRamBytes = 256 * 1024 });
        int core = mk.CoreCount - 1;
        var (inFlight, answer) = Wait(mk.CallOn(core, m =>
        {
            var ram = m.Ram!;
            bool busy = ram.RefillInFlight;
            var taken = new List<Cptr>();
            while (ram.TryTakeSlot(out var slot)) taken.Add(slot); // no root slot left to receive a refill in
            CapError? got = null;
            ram.Reserve(512 * 1024, (e, _) => got = e);             // more than the boot RAM: only a refill could serve it
            foreach (var slot in taken) ram.ReturnSlot(slot);
            return (busy, got);
        }));
        Assert.False(inFlight, "a refill was already in flight after boot: its grant could still serve the request");
        Assert.Equal(CapError.OutOfSlots, answer); // at once: no grant will ever come for it
    }

    /// <summary>
    /// Core 1's RAM cache waits for a refill from the memory server on core 0 when core 0's CPU driver faults (core 0 is
    /// held, so the request is never read): once core 1's monitor is told of the fault, the waiting reservation is
    /// refused with <see cref="CapError.CoreFaulted"/> instead of waiting for ever, no refill is in flight any more,
    /// and a later reservation that only a refill could serve is refused at once.
    /// </summary>
    [Fact]
    public async Task AReservationWaitingForTheMemoryServerIsRefusedWhenItsCoreFaults()
    {
        var ct = TestContext.Current.CancellationToken;
        var mk = BootAtLeastTwoCores(new MultikernelOptions { CoreRamBytes = 256 * 1024 });
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        try
        {
            var (inFlight, free) = await mk.CallOn(1, m => (m.Ram!.RefillInFlight, m.Ram.FreeBytes)).WaitAsync(TimeSpan.FromSeconds(30), ct);
            Assert.True(!inFlight && free < 512 * 1024, $"core 1's cache after boot: refill in flight {inFlight}, {free} bytes free; the test needs a reservation of 512 KiB to wait for a refill");
            _ = mk.SpawnAsync(0, 0, () => new HoldsThenFaults(holding, release));
            Assert.True(holding.Wait(TimeSpan.FromSeconds(10), ct), "core 0 did not start the holding dispatcher within 10 s");
            var reserve = mk.CallOnAsync<CapError>(1, (m, done) => m.Ram!.Reserve(512 * 1024, (e, r) =>
            {
                if (r != null) m.Ram.Unreserve(r);
                done(e);
            }));
            var waiting = Stopwatch.StartNew();
            while (await mk.CallOn(1, m => m.Ram!.WaitingRequests).WaitAsync(TimeSpan.FromSeconds(30), ct) < 1)
            {
                Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), "core 1's reservation did not wait for a refill within 30 s");
                await Task.Delay(1, ct);
            }
            release.Set();
            var refused = await reserve.WaitAsync(TimeSpan.FromSeconds(30), ct);
            Assert.Equal(CapError.CoreFaulted, refused);
            Assert.Equal((CapError.CoreFaulted, false, true), await mk.CallOnAsync<(CapError, bool, bool)>(1, (m, done) =>
                m.Ram!.Reserve(512 * 1024, (e, r) =>
                {
                    if (r != null) m.Ram.Unreserve(r);
                    done((e, m.Ram.RefillInFlight, m.Ram.ServerHasFaulted));
                })).WaitAsync(TimeSpan.FromSeconds(30), ct));
        }
        catch
        {
            ReleaseAndDispose(mk, release);
            throw;
        }
        AssertShutdownReportsOnlyTheInjectedFault(mk);
    }

    /// <summary>
    /// After the memory server's core (0) has faulted, a domain on core 1 whose dispatcher needs more RAM than core 1's
    /// cache holds is not created (its creation fails naming <see cref="CapError.CoreFaulted"/>) instead of waiting for
    /// ever for a refill that the dead server would have to send.
    /// </summary>
    [Fact]
    public async Task ADomainNeedingARefillAfterTheMemoryServersCoreFaultedFailsInsteadOfWaiting()
    {
        var ct = TestContext.Current.CancellationToken;
        var mk = BootAtLeastTwoCores(new MultikernelOptions { CoreRamBytes = 256 * 1024 });
        try
        {
            await mk.SpawnAsync(0, 0, () => new FaultsOnStart()).ContinueWith(static _ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(30), ct);
            var told = Stopwatch.StartNew();
            while (!await mk.CallOn(1, m => m.Agreement.Node.Faulted.Contains(0)).WaitAsync(TimeSpan.FromSeconds(30), ct))
            {
                Assert.True(told.Elapsed < TimeSpan.FromSeconds(10), "core 1's monitor was not told of core 0's fault within 10 s");
                await Task.Delay(1, ct);
            }
            var create = Domain.CreateAsync(mk, [1], new DomainOptions { RamBytes = 768 * 1024 });
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => create.WaitAsync(TimeSpan.FromSeconds(30), ct));
            Assert.Contains($"core #1 cannot give a dispatcher {768 * 1024} bytes of RAM: {CapError.CoreFaulted}", e.Message);
        }
        catch
        {
            ReleaseAndDispose(mk, release: null);
            throw;
        }
        AssertShutdownReportsOnlyTheInjectedFault(mk);
    }

    /// <summary>
    /// Two domains created at once on a core whose RAM cache has room for neither: both wait for the memory server
    /// (held back here until both wait), whose refill has room for one dispatcher's CSpace and RAM; the RAM set aside
    /// for the first is not promised to the second, which waits for a second refill instead of failing with OutOfRam.
    /// </summary>
    [Fact]
    public void TwoDomainsCreatedAtOnceOnOneCoreEachGetTheRamTheyWaitedFor()
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { CoreRamBytes = 256 * 1024 });
        Assert.SkipUnless(mk.CoreCount >= 2, "needs two cores (the memory server's and another); this process may use one");
        const int core = 1;
        var options = new DomainOptions { RamBytes = 768 * 1024 }; // 800 KiB with its CNodes: a 1 MiB refill holds one, not two
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holding = mk.CallOn(0, _ => { held.Set(); release.Wait(); return 0; }); // the memory server's core answers no request meanwhile
        Task<Domain>[] creating;
        try
        {
            Assert.True(held.Wait(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken), "core 0 did not run the call that holds it");
            creating = [Domain.CreateAsync(mk, [core], options), Domain.CreateAsync(mk, [core], options)];
            var waiting = Stopwatch.StartNew();
            while (Wait(mk.CallOn(core, m => m.Ram!.WaitingRequests)) < 2)
            {
                Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), "the two creations did not both wait for RAM within 30 s");
                Thread.Sleep(1);
            }
        }
        finally { release.Set(); }
        Wait(holding);
        Wait(Task.WhenAll(creating).ContinueWith(_ => 0, TaskScheduler.Default));
        var failed = creating.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!.Message).ToArray();
        foreach (var t in creating) if (t.IsCompletedSuccessfully) Wait(t).Dispose();
        Assert.True(failed.Length == 0, string.Join("; ", failed));
        Assert.Equal(0UL, Wait(mk.CallOn(core, m => m.Ram!.ReservedBytes)));
        Assert.Null(Wait(mk.CallOn(core, m => m.Driver.Capabilities!.Validate())));
    }

    /// <summary>
    /// A domain whose second core cannot give a dispatcher its RAM (its cache is taken, and the request is larger than
    /// any refill) is not created, and the RAM the first core's cache set aside for it is free again.
    /// </summary>
    [Fact]
    public void ADomainThatOneCoreCannotServeGivesBackWhatTheOthersReserved()
    {
        using var mk = BootAtLeastTwoCores();
        var taken = Wait(mk.CallOn(1, m => m.Ram!.CreateSpace(3UL << 20, out var memory) == CapError.Ok ? memory : throw new InvalidOperationException("core 1's cache has no 3 MiB")));
        try
        {
            var free = Wait(mk.CallOn(0, m => m.Ram!.FreeBytes));
            var create = Domain.CreateAsync(mk, [0, 1], new DomainOptions { RamBytes = 2UL << 20 }); // more than a refill
            var e = Assert.Throws<AggregateException>(() => create.Wait(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
            Assert.Contains("core #1 cannot give a dispatcher", Assert.IsType<InvalidOperationException>(e.InnerException).Message);
            Assert.Equal((free, 0UL), Wait(mk.CallOn(0, m => (m.Ram!.FreeBytes, m.Ram.ReservedBytes))));
        }
        finally { Wait(mk.CallOn(1, _ => { taken.Dispose(); return 0; })); }
    }

    [Fact]
    public void DomainsHoldCSpacesArePlacedInEveryReplicaAndInsertRootTablesByAgreement()
    {
        using var mk = MultikernelSystem.Boot();
        int n = mk.CoreCount;
        ulong id;
        Pmap space;
        using (var domain = Wait(Domain.CreateAsync(mk, options: new DomainOptions { RamBytes = 128 * 1024 })))
        {
            id = (ulong)domain.Id;
            space = domain.AddressSpace;
            for (int i = 0; i < n; i++)
            {
                int index = i;
                Assert.Equal(128 * 1024UL, Wait(mk.CallOn(i, _ => domain.Dispatchers[index].Memory!.RamBytes)));
            }
            Assert.All(Enumerable.Range(0, n), c => Assert.Equal(CoreSet.FirstN(n), Wait(mk.CallOn(c, m => m.Agreement.Replica.Domains.CoresOf(id)))));
            Assert.Equal(n > 1, space.SharedRoot);
            // Two pages under two different root entries: with several cores each new root table is a 2PC.
            foreach (ulong va in new ulong[] { 0x1000, 1UL << 39 })
            {
                var r = Run(mk, 0, (m, done) =>
                {
                    var mem = domain.Dispatchers[0].Memory!;
                    if (mem.Frames.TryAlloc(CapType.Frame, out var f) != CapError.Ok) return CapError.OutOfRam;
                    return m.Agreement.Coherence.Map(space, domain.CoreSet, va, f, CapRights.ReadWrite, done);
                });
                Assert.Equal(CapError.Ok, r.Error);
                Assert.Equal(n > 1, r.Distributed);
                Assert.True(Wait(mk.CallOn(0, _ => space.TryWalk(va, out ulong _))));
            }
            var rows = Enumerable.Range(0, n).Select(c => Wait(mk.CallOn(c, m => m.Agreement.Replica.AddressSpaces.Describe()))).ToArray();
            Assert.All(rows, r => Assert.Equal(rows[0], r));
            if (n > 1)
            {
                Assert.Contains($"{space.Id}[0]=", rows[0]);
                Assert.Contains($"{space.Id}[1]=", rows[0]);
                // A second insert into an occupied root entry is refused by the replicas.
                var conflict = Wait(mk.CallOnAsync<AgreementOutcome>(1, (m, done) => m.Agreement.StartTwoPhase(RoutingProtocol.Unicast, domain.CoreSet,
                    SystemTableUpdates.InsertRoot(space.Id, 0, 0x1234_5000, 1), new Done(done))));
                Assert.False(conflict.Committed);
                Assert.Equal((byte)CapError.VNodeSlotInUse, conflict.Refusal);
            }
        }
        // Gone from every replica after the domain's teardown.
        Assert.All(Enumerable.Range(0, n), c => Assert.Equal(0, Wait(mk.CallOn(c, m => m.Agreement.Replica.Domains.CoresOf(id).Count))));
        Assert.All(Enumerable.Range(0, n), c => Assert.DoesNotContain($"{space.Id}[", Wait(mk.CallOn(c, m => m.Agreement.Replica.AddressSpaces.Describe()))));
    }

    sealed class Done(Action<AgreementOutcome> done) : IAgreementCompletion
    {
        public void Decided(in AgreementOutcome o) { }
        public void Completed(in AgreementOutcome o) => done(o);
    }

    [Fact]
    public void ADispatcherThatLeavesGivesItsMemoryBack()
    {
        using var mk = MultikernelSystem.Boot();
        var free = Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m => m.Ram!.FreeBytes))).ToArray();
        for (int round = 0; round < 3; round++)
        {
            var domain = Wait(Domain.CreateAsync(mk));
            Assert.True(Enumerable.Range(0, mk.CoreCount).All(c => Wait(mk.CallOn(c, m => m.Ram!.FreeBytes)) < free[c]));
            domain.Dispose();
        }
        Assert.Equal(free, Enumerable.Range(0, mk.CoreCount).Select(c => Wait(mk.CallOn(c, m => m.Ram!.FreeBytes))).ToArray());
        Assert.All(Enumerable.Range(0, mk.CoreCount), c => Assert.Null(Wait(mk.CallOn(c, m => m.Driver.Capabilities!.Validate()))));
    }
}

using System.Diagnostics;

namespace Multikernel.Tests;

public class BootTests
{
    static int ThreadCount()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.Threads.Count;
    }

    [Fact]
    public async Task BootsOnEveryAllowedCoreWithPinnedDrivers()
    {
        using var mk = MultikernelSystem.Boot();
        Assert.Equal(CoreAffinity.AllowedCpus(), mk.Cores);
        for (int i = 0; i < mk.CoreCount; i++)
        {
            int cpu = (await mk.CallOn(i, m => CoreAffinity.CurrentCpu()));
            Assert.Equal(mk.Cores[i], cpu);
        }
    }

    [Fact]
    public async Task BootAndShutdownHundredTimesLeaksNoThreadsOrMemory()
    {
        // Warm up once so lazily created runtime threads (thread pool, timers) are not counted as leaks.
        MultikernelSystem.Boot().Dispose();
        Thread.Sleep(100);
        int threadsBefore = ThreadCount();
        long bytesBefore = NativeBlock.LiveBytes;
        for (int i = 0; i < 100; i++)
        {
            using var mk = MultikernelSystem.Boot(new MultikernelOptions { WaitPolicy = new Multikernel.Urpc.WaitPolicy(1000) });
            Assert.Equal(mk.CoreCount - 1, (await mk.CallOn(0, m => m.CoreCount - 1)));
        }
        Assert.Equal(bytesBefore, NativeBlock.LiveBytes);
        // Allow the runtime a couple of its own threads of slack (e.g. a finalizer-side timer), never one per boot.
        Assert.InRange(ThreadCount(), 0, threadsBefore + 2);
    }

    sealed class Echo : Dispatcher
    {
        public Echo() : base("echo") { }
        public int Started;
        protected internal override void OnStart() => Started++;
    }

    [Fact]
    public async Task MonitorStartsDispatcherOnAnotherCoreAndGetsReply()
    {
        using var mk = MultikernelSystem.Boot();
        int target = mk.CoreCount - 1;
        Echo? made = null;
        var spawned = (await mk.SpawnAsync(0, target, () => made = new Echo()));
        Assert.Equal(target, spawned.CoreIndex);
        Assert.NotNull(made);
        // The new dispatcher runs on the target core and its start upcall ran there.
        var (core, started) = (await mk.CallOn(target, m => (CoreAffinity.CurrentCpu(), made!.Started)));
        Assert.Equal(mk.Cores[target], core);
        Assert.Equal(1, started);
        Assert.Equal(mk.Cores[target], made!.Driver.Core);
    }

    [Fact]
    public async Task SpawnFailureComesBackAsError()
    {
        using var mk = MultikernelSystem.Boot();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => mk.SpawnAsync(0, mk.CoreCount - 1, () => throw new InvalidDataException("bad image")));
        Assert.Contains("bad image", e.Message);
    }

    /// <summary>
    /// A host call that passed the shut-down check while <see cref="MultikernelSystem.Shutdown"/> began is refused,
    /// not sent behind the stop message (where the monitor never reads it and its task never completes) nor into a
    /// host port that Shutdown frees. The test holds the host port's lock so that the call waits for it after its
    /// entry and Shutdown has set its flag before either sends.
    /// </summary>
    [Fact]
    public void AHostCallRacingShutdownIsRefusedNotLeftUnread()
    {
        var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]], WaitPolicy = new Multikernel.Urpc.WaitPolicy(20_000) });
        Assert.Equal(1, BootedSystem.Wait(mk.CallOn(0, _ => 1)));   // the call path is compiled before the race
        Task<int>? call = null;
        Exception? refused = null, shutdownFault = null;
        var caller = new Thread(() => { try { call = mk.CallOn(0, _ => 2); } catch (Exception e) { refused = e; } });
        var stopper = new Thread(() => { try { mk.Shutdown(); } catch (Exception e) { shutdownFault = e; } });
        lock (mk.HostPortLock(0))
        {
            caller.Start();
            Assert.True(SpinWait.SpinUntil(() => (caller.ThreadState & System.Threading.ThreadState.WaitSleepJoin) != 0, TimeSpan.FromSeconds(10)), "the call never waited for the host port");
            stopper.Start();
            Assert.True(SpinWait.SpinUntil(() => mk.IsShutDown, TimeSpan.FromSeconds(10)), "Shutdown never began");
        }
        Assert.True(caller.Join(TimeSpan.FromSeconds(10)), "the call did not return");
        Assert.True(stopper.Join(TimeSpan.FromSeconds(20)), "Shutdown did not return");
        Assert.Null(shutdownFault);
        var answered = call is { } t && ((IAsyncResult)t).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(2));
        Assert.True(refused is ObjectDisposedException,
            $"the call racing Shutdown was {(refused != null ? $"refused with {refused.GetType().Name}" : answered ? "answered" : "sent and never answered")}, not refused with ObjectDisposedException");
    }

    /// <summary>
    /// A second <see cref="MultikernelSystem.Shutdown"/> while a first is still under way (a Ctrl-C handler and the
    /// program's own end) returns only once the cores have stopped, not at once while they still run. The test keeps
    /// the first one waiting by holding core 0 in a host call until the second has had its chance to return.
    /// </summary>
    [Fact]
    public void ASecondShutdownWaitsForTheFirstToStopTheCores()
    {
        var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]], WaitPolicy = new Multikernel.Urpc.WaitPolicy(20_000) });
        using var held = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var holding = mk.CallOn(0, _ => { held.Set(); release.Wait(); return 0; });
        Assert.True(held.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "core 0 never ran the host call");
        Exception? firstFault = null, secondFault = null;
        bool? coreReleasedWhenSecondReturned = null;
        var first = new Thread(() => { try { mk.Shutdown(); } catch (Exception e) { firstFault = e; } }) { IsBackground = true };
        var second = new Thread(() =>
        {
            try { mk.Shutdown(); } catch (Exception e) { secondFault = e; }
            coreReleasedWhenSecondReturned = release.IsSet;
        }) { IsBackground = true };
        first.Start();
        Assert.True(SpinWait.SpinUntil(() => mk.IsShutDown, TimeSpan.FromSeconds(10)), "the first Shutdown never began");
        second.Start();
        SpinWait.SpinUntil(() => !second.IsAlive, TimeSpan.FromSeconds(1));
        release.Set();
        Assert.True(first.Join(TimeSpan.FromSeconds(20)), "the first Shutdown did not return");
        Assert.True(second.Join(TimeSpan.FromSeconds(20)), "the second Shutdown did not return");
        Assert.Null(firstFault);
        Assert.Null(secondFault);
        Assert.True(coreReleasedWhenSecondReturned == true, "the second Shutdown returned while core 0 was still running a host call (the first had not stopped the cores yet)");
        Assert.Equal(0, BootedSystem.Wait(holding, 10));
    }

    /// <summary>
    /// A boot that fails while it makes the cores' channels and memory (here: this machine will not reserve 2^40 bytes
    /// of simulated physical memory) fails with the allocation's error and leaves nothing mapped: the broadcast buffers
    /// made before the physical memory are freed again. Skipped where the host would grant the reservation.
    /// </summary>
    [Fact]
    public unsafe void ABootThatCannotReserveItsPhysicalMemoryLeavesNothingMapped()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs two cores: their broadcast buffers are made before the physical memory");
        nuint bytes = unchecked((nuint)PhysicalMemory.MaxBytes);
        nint probe = LinuxVm.mmap(0, bytes, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE, LinuxVm.MAP_PRIVATE | LinuxVm.MAP_ANONYMOUS, -1, 0);
        if (probe != -1) LinuxVm.munmap(probe, bytes);
        Assert.SkipWhen(probe != -1, "this host grants a 1 TiB private mapping (overcommit), so the boot would not fail where the test needs it to");
        long before = NativeBlock.LiveBytes;
        Assert.Throws<OutOfMemoryException>(() => MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpus[0], cpus[1]], PhysicalMemoryBytes = PhysicalMemory.MaxBytes }));
        Assert.Equal(before, NativeBlock.LiveBytes);
    }

    /// <summary>
    /// Shutdown keeps to its timeout when a core reads nothing and its host port is full: a host call that finds the
    /// port full waits there (holding the port's lock) and the stop message has no room either. Shutdown then stops
    /// the core directly, the waiting call is refused, and Shutdown reports the core that did not stop in time; the
    /// core stops as soon as it is free again. The test holds core 0 in a host call and fills its port from a thread.
    /// </summary>
    [Fact]
    public void ShutdownKeepsItsTimeoutWhenACoreReadsNothingAndItsHostPortIsFull()
    {
        var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]], WaitPolicy = new Multikernel.Urpc.WaitPolicy(20_000), PhysicalMemoryBytes = 8 << 20 });
        var held = new ManualResetEventSlim(false);
        var release = new ManualResetEventSlim(false);   // never disposed: a core may be left waiting on it
        var holding = mk.CallOn(0, _ => { held.Set(); release.Wait(); return 0; });
        Assert.True(held.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "core 0 never ran the host call");
        int posted = 0;
        Exception? posterFault = null, shutdownFault = null;
        var poster = new Thread(() =>
        {
            try { for (int i = 0; i < 64; i++) { mk.CallOn(0, _ => 1); Interlocked.Increment(ref posted); } }
            catch (Exception e) { posterFault = e; }
        }) { IsBackground = true };
        poster.Start();
        int last;
        do { last = Volatile.Read(ref posted); Thread.Sleep(100); } while (Volatile.Read(ref posted) != last);
        Assert.True(poster.IsAlive && last < 64, $"the host port never filled ({last} calls posted)");
        var stopper = new Thread(() => { try { mk.Shutdown(TimeSpan.FromSeconds(1)); } catch (Exception e) { shutdownFault = e; } }) { IsBackground = true };
        stopper.Start();
        bool returned = stopper.Join(TimeSpan.FromSeconds(20));
        release.Set();
        Assert.True(returned, $"Shutdown with a 1 s timeout had not returned after 20 s ({last} calls posted into core 0's full host port)");
        Assert.True(shutdownFault is TimeoutException, $"Shutdown ended with {shutdownFault?.GetType().Name ?? "no error"}, not a TimeoutException naming the core");
        Assert.True(poster.Join(TimeSpan.FromSeconds(10)), "the call waiting on the full port never returned");
        Assert.True(posterFault is ObjectDisposedException, $"the call waiting on the full port ended with {posterFault?.GetType().Name ?? "no error"}, not ObjectDisposedException");
        Assert.Equal(0, BootedSystem.Wait(holding, 10));
    }

    /// <summary>
    /// A core that does not stop in time does not leave the host calls of the cores that did stop waiting for ever:
    /// core 0's call waits for core 1's monitor, which is held in a host call; Shutdown reports core 1 and fails
    /// core 0's call, which no stopped core can answer any more (core 0's stop tells the ping's callback, which answers
    /// the call with that error). Core 1's own call still ends once it is let go.
    /// </summary>
    [Fact]
    public void AStuckCoreDoesNotLeaveTheStoppedCoresCallsWaiting()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs two cores; this process may use one");
        var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpus[0], cpus[1]], PhysicalMemoryBytes = 16 << 20 });
        var held = new ManualResetEventSlim(false);
        var release = new ManualResetEventSlim(false);   // never disposed: core 1 may be left waiting on it
        var holding = mk.CallOn(1, _ => { held.Set(); release.Wait(); return 0; });
        Assert.True(held.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "core 1 never ran the host call");
        var pinging = mk.CallOnAsync<Exception?>(0, (m, done) => m.Ping(1, done));
        Exception? shutdown;
        try
        {
            shutdown = Record.Exception(() => mk.Shutdown(TimeSpan.FromSeconds(1)));
            Assert.True(shutdown is TimeoutException, $"Shutdown ended with {shutdown?.GetType().Name ?? "no error"}, not a TimeoutException naming core 1");
            bool ended = ((IAsyncResult)pinging).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10));
            Assert.True(ended, "core 0 stopped, but its host call (waiting for core 1) was left waiting for ever");
            var error = BootedSystem.Wait(pinging);
            Assert.IsType<OperationCanceledException>(error);
            Assert.Contains("core #0 stopped", error.Message);
        }
        finally { release.Set(); }
        Assert.Equal(0, BootedSystem.Wait(holding, 10));
    }

    /// <summary>
    /// A core whose CPU driver faults while it comes up (here its monitor's agreement transport cannot be made) fails
    /// the boot with the boot's own error, which names the core and the fault, not with the "CPU drivers faulted"
    /// AggregateException of the shutdown that cleans up after it; and the boot says so once the fault is there, not
    /// after its whole timeout waiting for the faulted monitor's answer.
    /// </summary>
    [Fact]
    public void ACoreThatFaultsAtBootFailsTheBootWithTheBootsOwnError()
    {
        int cpu = CoreAffinity.AllowedCpus()[0];
        var e = Assert.Throws<InvalidOperationException>(() => MultikernelSystem.Boot(new MultikernelOptions
        {
            Cores = [cpu],
            PhysicalMemoryBytes = 8 << 20,
            BootTimeout = TimeSpan.FromSeconds(20),
            AgreementTransport = (_, _) => throw new InvalidDataException("no agreement transport on this core"),
        }));
        Assert.Contains($"core {cpu} did not come up", e.Message);
        Assert.Contains("no agreement transport on this core", e.Message);
    }

    [Fact]
    public void BootOnCoreOutsideMaskIsAClearError()
    {
        int bad = CoreAffinity.AllowedCpus().Max() + 1;
        var e = Assert.Throws<ArgumentException>(() => MultikernelSystem.Boot(new MultikernelOptions { Cores = [bad] }));
        Assert.Contains($"cannot boot on core {bad}", e.Message);
        Assert.Contains("allowed cores", e.Message);
    }

    /// <summary>
    /// More cores than a core set holds (the agreements' and routes' participant sets) are refused before anything
    /// starts, naming the limit, whatever the affinity mask: a bigger machine would otherwise fail inside every monitor's
    /// start.
    /// </summary>
    [Fact]
    public void MoreCoresThanACoreSetHoldsAreRefusedNamingTheLimit()
    {
        var e = Assert.Throws<ArgumentException>(() => MultikernelSystem.Boot(new MultikernelOptions { Cores = [.. Enumerable.Range(0, CoreSet.Capacity + 1)] }));
        Assert.Contains($"boot on {CoreSet.Capacity + 1} cores", e.Message);
        Assert.Contains($"at most {CoreSet.Capacity} cores", e.Message);
    }

    [Fact]
    public void RepeatedCoreAndBadRingSizeAreClearErrors()
    {
        int c = CoreAffinity.AllowedCpus()[0];
        Assert.Contains("names a core twice", Assert.Throws<ArgumentException>(() => MultikernelSystem.Boot(new MultikernelOptions { Cores = [c, c] })).Message);
        Assert.Contains("not a power of two", Assert.Throws<ArgumentException>(() => MultikernelSystem.Boot(new MultikernelOptions { RingSlots = 10 })).Message);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(10_000_001L)] // just over one second, in ticks
    public void ABlockedVisitSliceOutsideZeroToOneSecondIsAClearError(long ticks) =>
        Assert.Contains("BlockedVisitSlice", Assert.Throws<ArgumentException>(() => MultikernelSystem.Boot(new MultikernelOptions { BlockedVisitSlice = TimeSpan.FromTicks(ticks) })).Message);

    [Fact]
    public void EveryCoreRunsWithTheBootsBlockedVisitSlice()
    {
        var slice = TimeSpan.FromMicroseconds(250);
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { BlockedVisitSlice = slice });
        var slices = Enumerable.Range(0, mk.CoreCount).Select(c => mk.CallOn(c, m => m.Driver.BlockedVisitSlice).WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult()).ToArray();
        Assert.All(slices, s => Assert.Equal(slice, s));
    }

    sealed class Client : Dispatcher
    {
        public Client() : base("client") { }
    }

    /// <summary>
    /// The call runs in the monitor's upcall through the client's binding: the callee is current during the call, and
    /// after it the monitor, whose upcall goes on, not the binding's client (a fault there would be blamed on the client).
    /// </summary>
    [Fact]
    public async Task SameCoreLrpcSwitchesToCalleeAndBackToTheDispatcherThatCalled()
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]] });
        var adder = new AddingLrpcServer();
        var client = new Client();
        await mk.SpawnAsync(0, 0, () => adder);
        await mk.SpawnAsync(0, 0, () => client);
        var (sum, inCallee, callerAfter, monitor) = (await mk.CallOn(0, m =>
        {
            var b = m.BindLrpc(client, adder);
            UrpcPayload a = default;
            a[0] = 40; a[1] = 2;
            var r = b.Call(a);
            return (r[0], r[1], m.Driver.CurrentDispatcher?.Name, m.Name);
        }));
        Assert.Equal(42UL, sum);
        Assert.Equal(1UL, inCallee);
        Assert.Equal(monitor, callerAfter);
        Assert.Equal(1, adder.Calls);
    }

    [Fact]
    public async Task LrpcAcrossCoresIsRefused()
    {
        Assert.SkipWhen(CoreAffinity.AllowedCpus().Count < 2, "needs two cores; this process may use one");
        using var mk = MultikernelSystem.Boot();
        var adder = new AddingLrpcServer();
        var client = new Client();
        await mk.SpawnAsync(0, 0, () => adder);
        await mk.SpawnAsync(0, 1, () => client);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => mk.CallOn(0, m => m.BindLrpc(client, adder)));
        Assert.Contains("same core", e.Message);
    }
}

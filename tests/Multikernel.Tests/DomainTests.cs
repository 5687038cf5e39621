using System.Reflection;
using Multikernel.Threads;

namespace Multikernel.Tests;

public class DomainTests(BootedSystem booted) : IClassFixture<BootedSystem>
{
    [Fact]
    public void DomainHasOneDispatcherPerCoreOnThatCore()
    {
        using var domain = booted.NewDomain();
        Assert.Equal(booted.Cores, domain.DispatcherCount);
        for (int i = 0; i < domain.DispatcherCount; i++)
        {
            var d = domain.Dispatchers[i];
            Assert.Equal(i, d.Index);
            Assert.Equal(booted.System.Cores[i], d.Driver.Core);
            // The monitor of that core sees the domain's dispatcher in its driver's table.
            int coreIndex = i;
            Assert.True(BootedSystem.Wait(booted.System.CallOn(coreIndex, m => m.Driver.Dispatchers.Contains(d))));
        }
    }

    [Fact]
    public void MainThreadRunsOnDispatcherZeroAndReturnsItsResult()
    {
        using var domain = booted.NewDomain();
        var d0 = domain.Dispatchers[0];
        var (onCore, cpu, index) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            await UThread.Yield();
            return (Where.OnCoreOf(d0), CoreAffinity.CurrentCpu(), ForkJoin.WorkerIndex);
        }));
        Assert.True(onCore);
        Assert.Equal(booted.System.Cores[0], cpu);
        Assert.Equal(0, index);
        Assert.Equal(42, BootedSystem.Wait(domain.RunOnMasterAsync(() => Where.OnCoreOf(d0) ? 42 : -1)));
    }

    [Fact]
    public void ExceptionOfMainReachesTheHost()
    {
        using var domain = booted.NewDomain();
        var e = Assert.Throws<InvalidDataException>(() => BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            await UThread.Yield();
            throw new InvalidDataException("main failed");
        })));
        Assert.Equal("main failed", e.Message);
        // The domain keeps working after a failed main.
        Assert.Equal(7, BootedSystem.Wait(domain.RunOnMasterAsync(() => 7)));
    }

    [Fact]
    public void CreateAndTearDownManyTimesLeavesNoDispatcherOrChannelBehind()
    {
        // Warm up once: the first domain may grow lazily-sized runtime structures.
        booted.NewDomain().Dispose();
        long bytesBefore = NativeBlock.LiveBytes;
        var before = Enumerable.Range(0, booted.Cores).Select(c => BootedSystem.Wait(booted.System.CallOn(c, m => m.Driver.Dispatchers.Count))).ToArray();
        for (int i = 0; i < 50; i++)
        {
            using var domain = booted.NewDomain();
            Assert.Equal(i, BootedSystem.Wait(domain.RunOnMasterAsync(() => i)));
        }
        Assert.Equal(bytesBefore, NativeBlock.LiveBytes);
        var after = Enumerable.Range(0, booted.Cores).Select(c => BootedSystem.Wait(booted.System.CallOn(c, m => m.Driver.Dispatchers.Count))).ToArray();
        Assert.Equal(before, after);
    }

    [Fact]
    public void TearDownFailsAMainThreadThatHasNotFinished()
    {
        var domain = booted.NewDomain();
        var sem = new Threads.Semaphore(0);
        var stuck = domain.RunMainAsync(async () => { await sem.WaitAsync(); });
        Thread.Sleep(20);
        domain.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => BootedSystem.Wait(stuck, 10));
        Assert.Contains("torn down", e.Message);
        Assert.Throws<ObjectDisposedException>(() => { _ = domain.RunOnMasterAsync(() => 1); });
    }

    /// <summary>
    /// A domain outlived by its system (shut down without disposing the domain first) refuses a main thread with an
    /// error: the system freed the domain's host port ring when it shut down, and nobody would ever read the request.
    /// Disposing the domain afterwards is still fine.
    /// </summary>
    [Fact]
    public void RunMainAfterTheSystemShutDownIsRefused()
    {
        var system = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]], WaitPolicy = new Urpc.WaitPolicy(20_000) });
        Domain domain;
        try
        {
            domain = BootedSystem.Wait(Domain.CreateAsync(system));
            Assert.Equal(1, BootedSystem.Wait(domain.RunOnMasterAsync(() => 1)));
        }
        finally { system.Dispose(); }
        var e = Assert.Throws<ObjectDisposedException>(() => { _ = domain.RunOnMasterAsync(() => 2); });
        Assert.Contains("shut down", e.Message);
        domain.Dispose();
    }

    /// <summary>A system on this process's first two cores (skipped where it may use only one); the tests fault core 1.</summary>
    static MultikernelSystem BootTwoCores()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs a second core to fault; this process may use one");
        return MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpus[0], cpus[1]] });
    }

    /// <summary>Faults core 1's CPU driver and waits until core 0's monitor has been told.</summary>
    static void FaultCore1(MultikernelSystem system)
    {
        BootedSystem.Wait(system.SpawnAsync(1, 1, () => new FaultsOnStart()));
        Assert.True(SpinWait.SpinUntil(() => BootedSystem.Wait(system.CallOn(0, m => m.Agreement.Node.Faulted.Contains(1))), TimeSpan.FromSeconds(10)),
            "core 0's monitor was not told of core 1's fault within 10 s");
    }

    /// <summary>
    /// A core whose CPU driver stops on an unhandled exception (here another dispatcher's start upcall) gives its
    /// dispatchers their stop upcall: the domain's main thread parked there fails, naming the fault, instead of never
    /// finishing, and the domain's teardown after the system's shutdown ends instead of waiting for a core that will
    /// never say it stopped.
    /// </summary>
    [Fact]
    public void ACoreThatFaultsFailsTheMainThreadItRanAndLetsItsDomainGo()
    {
        var system = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]] });
        Domain domain;
        try { domain = BootedSystem.Wait(Domain.CreateAsync(system, [0], new DomainOptions { StopTimeout = TimeSpan.FromSeconds(5) })); }
        catch
        {
            system.Dispose();
            throw;
        }
        var parked = new ManualResetEventSlim(false);
        var never = new Threads.Semaphore(0);
        var main = domain.RunMainAsync(async () => { parked.Set(); await never.WaitAsync(); });
        Assert.True(parked.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the main thread never ran");
        BootedSystem.Wait(system.SpawnAsync(0, 0, () => new FaultsOnStart()));
        bool ended = SpinWait.SpinUntil(() => main.IsCompleted, TimeSpan.FromSeconds(10));
        var shutdown = Record.Exception(() => system.Shutdown());
        var teardown = Record.Exception(() => BootedSystem.Wait(domain.DisposeAsync().AsTask(), 20));
        Assert.True(ended, "the main thread parked on the faulted core never finished");
        var error = Assert.IsType<OperationCanceledException>(main.Exception!.InnerException);
        Assert.Contains("injected fault", error.Message);
        Assert.Contains("CPU drivers faulted", Assert.IsType<AggregateException>(shutdown).Message);
        Assert.True(teardown == null, $"the domain's teardown after the shutdown threw {teardown?.GetType().Name}: {teardown?.Message}");
    }

    /// <summary>
    /// A spawn or bind that another core's monitor asks of a core whose CPU driver has faulted fails naming the fault
    /// (so does a domain's creation on that core), instead of waiting forever for a reply the dead monitor will never
    /// send; the live core keeps serving.
    /// </summary>
    [Fact]
    public void MonitorRequestsToAFaultedCoreFailNamingTheFault()
    {
        var system = BootTwoCores();
        try
        {
            BootedSystem.Wait(system.SpawnAsync(1, 1, () => new FaultsOnStart()));
            Assert.True(SpinWait.SpinUntil(() => Record.Exception(() => { _ = system.CallOn(1, _ => 1); }) != null, TimeSpan.FromSeconds(10)),
                "core 1 still answered host calls 10 s after its fault");
            var spawn = system.SpawnAsync(0, 1, () => new FaultsOnStart());
            var bind = system.BindAsync(0, 1);
            var domain = Domain.CreateAsync(system, [0, 1]);
            var all = Task.WhenAll(spawn, bind, domain);
            Assert.True(((IAsyncResult)all).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)),
                $"requests to the faulted core were still pending 20 s after its fault (spawn {spawn.Status}, bind {bind.Status}, domain {domain.Status})");
            foreach (var (task, what) in new (Task, string)[] { (spawn, "spawn"), (bind, "bind"), (domain, "domain creation") })
            {
                Assert.True(task.IsFaulted, $"the {what} on the faulted core did not fail: {task.Status}");
                var chain = string.Join(" / ", Chain(task.Exception!.InnerException!).Select(e => e.Message));
                Assert.Contains("injected fault", chain);
            }
            Assert.Equal(7, BootedSystem.Wait(system.CallOn(0, _ => 7))); // the live core still serves
        }
        finally { Record.Exception(() => system.Dispose()); }

        static IEnumerable<Exception> Chain(Exception e)
        {
            for (Exception? x = e; x != null; x = x.InnerException) yield return x;
        }
    }

    /// <summary>
    /// A dispatcher on core 1 that faults its CPU driver at a chosen step of a domain's creation on cores 0 and 1: once
    /// core 1's monitor has made the domain's binding ("bound"), once core 1's RAM cache holds its reservation
    /// ("reserved"), or once the domain's dispatcher on core 1 has started ("started"). It runs in every round (it
    /// always has local work) and checks after the monitor's upcalls, on its own core.
    /// </summary>
    sealed class FaultsAtCreationStep(string step) : Dispatcher("faults at " + step)
    {
        static readonly FieldInfo s_bindings = typeof(MonitorDispatcher).GetField("_bindings", BindingFlags.NonPublic | BindingFlags.Instance)!;
        int _bindingsAtStart;

        protected internal override void OnStart() => _bindingsAtStart = Bindings();

        int Bindings() => ((System.Collections.ICollection)s_bindings.GetValue(MonitorDispatcher.On(Driver))!).Count;

        protected internal override bool HasLocalWork => true;

        protected internal override bool Run()
        {
            bool now = step switch
            {
                "bound" => Bindings() > _bindingsAtStart,
                "reserved" => MonitorDispatcher.On(Driver).Ram!.ReservedBytes > 0,
                "started" => Driver.Dispatchers.Any(d => d is DomainDispatcher { HasStarted: true }),
                _ => throw new ArgumentException($"no creation step {step}"),
            };
            if (now) throw new InvalidDataException("injected fault");
            return false;
        }
    }

    /// <summary>
    /// A domain's creation that a core's fault defeats part way (after its binding, its reservation, or its dispatcher's
    /// start on that core, while the other core's dispatcher may already run) fails with the step's own error naming
    /// the faulted core, and leaves nothing it made behind: no ring allocated, no dispatcher on the live core, none of
    /// the live core's RAM reserved or handed out. The live core still serves; a domain on it alone is created and
    /// torn down (its placement is an agreement of the live cores), leaving nothing behind; and the system shuts
    /// down reporting only the fault.
    /// </summary>
    [Theory]
    [InlineData("bound")]
    [InlineData("reserved")]
    [InlineData("started")]
    public void ACreationACoreFaultDefeatsLeavesNothingBehind(string step)
    {
        var system = BootTwoCores();
        try
        {
            int dispatchersOn0 = BootedSystem.Wait(system.CallOn(0, m => m.Driver.Dispatchers.Count));
            ulong usedOn0 = BootedSystem.Wait(system.CallOn(0, m => m.Ram!.TotalBytes - m.Ram.FreeBytes));
            long bytes = NativeBlock.LiveBytes;
            BootedSystem.Wait(system.SpawnAsync(1, 1, () => new FaultsAtCreationStep(step)));
            var creating = Domain.CreateAsync(system, [0, 1], new DomainOptions { StopTimeout = TimeSpan.FromSeconds(5) });
            Assert.True(((IAsyncResult)creating).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), $"the creation was still pending 30 s after core 1's fault at '{step}'");
            Assert.True(creating.IsFaulted, $"the creation with core 1 faulting at '{step}' did not fail: {creating.Status}");
            Assert.True(system.CoreFaulted(1), "core 1 did not fault");
            var chain = string.Join(" / ", Chain(creating.Exception!.InnerException!).Select(e => e.Message));
            Assert.Contains("core #1", chain);
            Assert.Contains("injected fault", chain);
            Assert.DoesNotContain("did not stop", chain);
            Assert.True(SpinWait.SpinUntil(() => NativeBlock.LiveBytes == bytes, TimeSpan.FromSeconds(10)),
                $"{NativeBlock.LiveBytes - bytes} bytes of rings the failed creation made are still allocated");
            Assert.Equal(dispatchersOn0, BootedSystem.Wait(system.CallOn(0, m => m.Driver.Dispatchers.Count)));
            Assert.Equal(0UL, BootedSystem.Wait(system.CallOn(0, m => m.Ram!.ReservedBytes)));
            Assert.Equal(usedOn0, BootedSystem.Wait(system.CallOn(0, m => m.Ram!.TotalBytes - m.Ram.FreeBytes)));
            Assert.Equal(7, BootedSystem.Wait(system.CallOn(0, _ => 7))); // the live core still serves
            // Placing a domain is an agreement of every live core (the monitors leave the faulted one out): one on the
            // live core alone is created, runs, and is torn down, leaving nothing behind either.
            AssertADomainOnTheLiveCoreComesAndGoes(system, bytes, dispatchersOn0, usedOn0);
        }
        catch
        {
            Record.Exception(() => system.Dispose());
            throw;
        }
        var shutdown = Record.Exception(() => system.Shutdown(TimeSpan.FromSeconds(10)));
        var faults = Assert.IsType<AggregateException>(shutdown);
        Assert.Contains("CPU drivers faulted", faults.Message);
        Assert.IsType<InvalidDataException>(Assert.Single(faults.InnerExceptions));

        static IEnumerable<Exception> Chain(Exception e)
        {
            for (Exception? x = e; x != null; x = x.InnerException) yield return x;
        }
    }

    /// <summary>
    /// Once a core's CPU driver has faulted, a domain on the live cores is still created (its placement is a 1PC of the
    /// live monitors), runs, and is torn down within its stop timeout (the removal of its placement, a 1PC, and the
    /// release of its address space's rows, a 2PC, complete without the faulted core); the monitors' agreements are
    /// all finished afterwards, and the system shuts down reporting only the fault.
    /// </summary>
    [Fact]
    public void ADomainOnTheLiveCoresComesAndGoesAfterAnotherCoreFaulted()
    {
        var system = BootTwoCores();
        try
        {
            int dispatchersOn0 = BootedSystem.Wait(system.CallOn(0, m => m.Driver.Dispatchers.Count));
            ulong usedOn0 = BootedSystem.Wait(system.CallOn(0, m => m.Ram!.TotalBytes - m.Ram.FreeBytes));
            long bytes = NativeBlock.LiveBytes;
            FaultCore1(system);
            AssertADomainOnTheLiveCoreComesAndGoes(system, bytes, dispatchersOn0, usedOn0);
            AssertADomainOnTheLiveCoreComesAndGoes(system, bytes, dispatchersOn0, usedOn0); // and again: nothing was left waiting
        }
        catch
        {
            Record.Exception(() => system.Dispose());
            throw;
        }
        var faults = Assert.IsType<AggregateException>(Record.Exception(() => system.Shutdown(TimeSpan.FromSeconds(10))));
        Assert.IsType<InvalidDataException>(Assert.Single(faults.InnerExceptions));
    }

    /// <summary>
    /// A domain on cores 0 and 1 whose core 1 then faults: its teardown does not wait for the dispatcher that stopped
    /// with core 1 (which will never say it left), and ends well before its stop timeout with an error naming the
    /// fault, having removed the domain from the live monitors' tables, let dispatcher 0 leave core 0 and freed the rings.
    /// </summary>
    [Fact]
    public void TheTeardownOfADomainWhoseCoreFaultedEndsNamingTheFault()
    {
        var system = BootTwoCores();
        try
        {
            int dispatchersOn0 = BootedSystem.Wait(system.CallOn(0, m => m.Driver.Dispatchers.Count));
            long bytes = NativeBlock.LiveBytes;
            var stopTimeout = TimeSpan.FromSeconds(20);
            var domain = BootedSystem.Wait(Domain.CreateAsync(system, [0, 1], new DomainOptions { StopTimeout = stopTimeout }));
            Assert.Equal(3, BootedSystem.Wait(domain.RunOnMasterAsync(() => 3)));
            FaultCore1(system);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var teardown = Record.Exception(() => BootedSystem.Wait(domain.DisposeAsync().AsTask(), 60));
            Assert.True(watch.Elapsed < stopTimeout / 2, $"the teardown took {watch.Elapsed.TotalSeconds:F1} s: it waited for the faulted core");
            var error = Assert.IsType<InvalidOperationException>(teardown);
            Assert.Contains("core #1", error.Message);
            Assert.Contains("injected fault", error.Message);
            Assert.Equal(0, BootedSystem.Wait(system.CallOn(0, m => m.Agreement.Node.Coordinator.Active)));
            Assert.True(BootedSystem.Wait(system.CallOn(0, m => m.Agreement.Replica.Domains.CoresOf((ulong)domain.Id).IsEmpty)), "the domain is still placed in core 0's table");
            Assert.Equal(dispatchersOn0, BootedSystem.Wait(system.CallOn(0, m => m.Driver.Dispatchers.Count)));
            Assert.True(SpinWait.SpinUntil(() => NativeBlock.LiveBytes == bytes, TimeSpan.FromSeconds(10)),
                $"{NativeBlock.LiveBytes - bytes} bytes of the domain's rings are still allocated after its teardown");
        }
        catch
        {
            Record.Exception(() => system.Dispose());
            throw;
        }
        var faults = Assert.IsType<AggregateException>(Record.Exception(() => system.Shutdown(TimeSpan.FromSeconds(10))));
        Assert.IsType<InvalidDataException>(Assert.Single(faults.InnerExceptions));
    }

    /// <summary>With core 1 faulted: a domain on core 0 is created, runs its main thread and is disposed without error, leaving core 0 as it was.</summary>
    static void AssertADomainOnTheLiveCoreComesAndGoes(MultikernelSystem system, long bytes, int dispatchersOn0, ulong usedOn0)
    {
        var creating = Domain.CreateAsync(system, [0], new DomainOptions { StopTimeout = TimeSpan.FromSeconds(10) });
        Assert.True(((IAsyncResult)creating).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "a domain on the live core was still being created after 30 s");
        Assert.True(creating.IsCompletedSuccessfully, $"a domain on the live core was not created: {creating.Exception?.InnerException?.Message}");
        var domain = creating.Result;
        Assert.Equal(42, BootedSystem.Wait(domain.RunOnMasterAsync(() => 42)));
        var teardown = Record.Exception(() => BootedSystem.Wait(domain.DisposeAsync().AsTask(), 30));
        Assert.True(teardown == null, $"the teardown of a domain on the live core threw {teardown?.GetType().Name}: {teardown?.Message}");
        Assert.Equal(0, BootedSystem.Wait(system.CallOn(0, m => m.Agreement.Node.Coordinator.Active)));
        Assert.False(BootedSystem.Wait(system.CallOn(0, m => m.Agreement.Replica.Domains.CoresOf((ulong)domain.Id).Contains(0))), "the domain is still placed on core 0");
        Assert.True(SpinWait.SpinUntil(() => NativeBlock.LiveBytes == bytes, TimeSpan.FromSeconds(10)),
            $"{NativeBlock.LiveBytes - bytes} bytes of the domain's rings are still allocated after its teardown");
        Assert.Equal(dispatchersOn0, BootedSystem.Wait(system.CallOn(0, m => m.Driver.Dispatchers.Count)));
        Assert.Equal(usedOn0, BootedSystem.Wait(system.CallOn(0, m => m.Ram!.TotalBytes - m.Ram.FreeBytes)));
    }

    /// <summary>
    /// A host call posted to a core whose CPU driver then faults fails when it faults, naming the fault, instead of
    /// waiting for <see cref="MultikernelSystem.Shutdown"/>; a call posted after the fault is refused at once.
    /// </summary>
    [Fact]
    public void HostCallsToACoreThatFaultsFailNamingTheFault()
    {
        var system = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]] });
        try
        {
            var neverAnswered = system.CallOnAsync<int>(0, (_, _) => { }); // its start returns without answering
            BootedSystem.Wait(system.SpawnAsync(0, 0, () => new FaultsOnStart()));
            Assert.True(SpinWait.SpinUntil(() => neverAnswered.IsCompleted, TimeSpan.FromSeconds(10)),
                "a call posted to the core before it faulted was still pending 10 s after the fault");
            var failed = Assert.IsType<InvalidOperationException>(neverAnswered.Exception!.InnerException);
            Assert.Contains("injected fault", failed.Message);
            var refused = Assert.Throws<InvalidOperationException>(() => { _ = system.CallOn(0, _ => 1); });
            Assert.Contains("answers no host call", refused.Message);
        }
        finally { Record.Exception(() => system.Dispose()); }
    }

    /// <summary>
    /// A main thread sent into the domain's host port just before the system shuts down fails (the core stopped
    /// before dispatcher 0 read it) instead of leaving its task pending for ever. The port is another ring than the
    /// monitor's, and a dispatcher that had nothing to do is skipped in rounds after one that made progress: here the
    /// monitor handles two host calls in a row, the second holding the core until the main thread's request and the
    /// stop message are both in their rings, so the monitor reads the stop before dispatcher 0 polls its port again.
    /// </summary>
    [Fact]
    public void AMainThreadSentJustBeforeTheSystemShutsDownFailsInsteadOfWaitingForEver()
    {
        var system = MultikernelSystem.Boot(new MultikernelOptions { Cores = [CoreAffinity.AllowedCpus()[0]], WaitPolicy = new Urpc.WaitPolicy(20_000) });
        var hostPortField = typeof(MonitorDispatcher).GetField("_hostPort", BindingFlags.NonPublic | BindingFlags.Instance)!;
        var secondPosted = new ManualResetEventSlim(false);
        var inSecond = new ManualResetEventSlim(false);
        Domain domain;
        Task<int> main;
        try
        {
            domain = BootedSystem.Wait(Domain.CreateAsync(system));
            var first = system.CallOn(0, _ => secondPosted.Wait(TimeSpan.FromSeconds(10)));
            var second = system.CallOn(0, m =>
            {
                var port = (UrpcReceiver)hostPortField.GetValue(m)!;
                inSecond.Set();
                return SpinWait.SpinUntil(port.HasMessage, TimeSpan.FromSeconds(10)); // the stop message
            });
            secondPosted.Set();
            Assert.True(inSecond.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "core 0 never ran the second host call");
            main = domain.RunOnMasterAsync(() => 1);
        }
        finally { system.Dispose(); }
        Assert.True(SpinWait.SpinUntil(() => main.IsCompleted, TimeSpan.FromSeconds(10)),
            "a main thread sent before the shutdown was still pending 10 s after it: the request was left unread in the domain's host port");
        Assert.ThrowsAny<OperationCanceledException>(() => main.GetAwaiter().GetResult());
        domain.Dispose();
    }

    /// <summary>A system of its own on two cores, with a domain on both (its dispatcher 0 on core index 0).</summary>
    static (MultikernelSystem System, Domain Domain) TwoCoreDomain()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs a domain on two cores; this process may use one");
        var system = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpus[0], cpus[1]], WaitPolicy = new Urpc.WaitPolicy(20_000) });
        try { return (system, BootedSystem.Wait(Domain.CreateAsync(system, [0, 1]))); }
        catch
        {
            system.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A domain disposed while its system is shutting down, when one of its cores has stopped and another still runs,
    /// frees no ring the running core's dispatcher still polls: it finishes once that core has stopped too. The test
    /// holds core 0 in a host call while Shutdown waits for it; core 1 stops. If the rings were freed then, releasing
    /// core 0 would let it read unmapped memory, so on that failure core 0 is left held.
    /// </summary>
    [Fact]
    public void DisposeWhileShutdownWaitsForACoreFreesNoRingThatCoreStillPolls()
    {
        var (system, domain) = TwoCoreDomain();
        var held = new ManualResetEventSlim(false);
        var release = new ManualResetEventSlim(false);   // never disposed: a core may be left waiting on it
        var holding = system.CallOn(0, _ => { held.Set(); release.Wait(); return 0; });
        Assert.True(held.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "core 0 never ran the host call");
        Exception? shutdownFault = null;
        var stopper = new Thread(() => { try { system.Shutdown(); } catch (Exception e) { shutdownFault = e; } }) { IsBackground = true };
        stopper.Start();
        Assert.True(SpinWait.SpinUntil(() => domain.Dispatchers[1].SystemStopped, TimeSpan.FromSeconds(10)), "core 1 never stopped");
        long bytesBefore = NativeBlock.LiveBytes;
        var disposing = domain.DisposeAsync().AsTask();
        SpinWait.SpinUntil(() => disposing.IsCompleted, TimeSpan.FromSeconds(1));
        long freed = bytesBefore - NativeBlock.LiveBytes;
        if (freed != 0)
            Assert.Fail($"DisposeAsync {(disposing.IsCompleted ? "returned" : "ran")} and {freed} bytes were freed while core 0, which runs the domain's dispatcher 0, had not stopped (core 0 is left held)");
        release.Set();
        Assert.True(stopper.Join(TimeSpan.FromSeconds(20)), "Shutdown did not return");
        Assert.Null(shutdownFault);
        BootedSystem.Wait(disposing, 20);
        Assert.Equal(0, BootedSystem.Wait(holding, 10));
    }

    /// <summary>
    /// A domain's teardown that the system's Shutdown overtakes (the monitors' agreement to remove the domain cannot
    /// finish because the cores stop) ends quietly, as a dispose after the shutdown does: the system frees the domain's
    /// channels. The test holds core 1 in a host call so that its monitor cannot take part in the agreement until core 0
    /// (the domain's home) has stopped.
    /// </summary>
    [Fact]
    public void DisposeOvertakenByShutdownEndsQuietly()
    {
        var (system, domain) = TwoCoreDomain();
        var held = new ManualResetEventSlim(false);
        var release = new ManualResetEventSlim(false);
        var holding = system.CallOn(1, _ => { held.Set(); release.Wait(); return 0; });
        Assert.True(held.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "core 1 never ran the host call");
        var disposing = domain.DisposeAsync().AsTask();
        Exception? shutdownFault = null;
        var stopper = new Thread(() => { try { system.Shutdown(); } catch (Exception e) { shutdownFault = e; } }) { IsBackground = true };
        stopper.Start();
        Assert.True(SpinWait.SpinUntil(() => domain.Dispatchers[0].SystemStopped, TimeSpan.FromSeconds(10)), "core 0 never stopped");
        release.Set();
        Assert.True(stopper.Join(TimeSpan.FromSeconds(20)), "Shutdown did not return");
        Assert.Null(shutdownFault);
        var error = Record.Exception(() => BootedSystem.Wait(disposing, 20));
        Assert.True(error == null, $"DisposeAsync overtaken by Shutdown threw {error?.GetType().Name}: {error?.Message}");
        Assert.Equal(0, BootedSystem.Wait(holding, 10));
        release.Dispose();
        held.Dispose();
    }

    struct CountChunks : IForBody
    {
        public long[] Count;
        public void Execute(int lo, int hi, int worker) => Interlocked.Add(ref Count[0], hi - lo);
    }

    /// <summary>
    /// With rings of two slots, a barrier releasing many threads of the other core and dynamic regions full of steal
    /// traffic overflow the rings all the time: messages wait in the sender's backlog, nothing deadlocks or is lost.
    /// </summary>
    [Fact]
    public void TinyRingsBackLogMessagesWithoutLosingOrDeadlocking()
    {
        using var domain = booted.NewDomain(options: new DomainOptions { RingSlots = 2 });
        int k = domain.DispatcherCount;
        const int PerDispatcher = 64, Rounds = 20, Regions = 500;
        var count = new long[1];
        long generations = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var barrier = new Threads.Barrier(k * PerDispatcher);
            var threads = new List<UThread>();
            for (int i = 0; i < k * PerDispatcher; i++)
                threads.Add(UThread.SpawnOn(i % k, async () =>
                {
                    for (int r = 0; r < Rounds; r++) await barrier.SignalAndWaitAsync();
                }));
            foreach (var t in threads) await t.Join();
            for (int r = 0; r < Regions; r++)
                ForkJoin.For(0, 64 * k, new CountChunks { Count = count }, LoopSchedule.Dynamic, 1);
            return barrier.Generation;
        }));
        Assert.Equal(Rounds, generations);
        Assert.Equal((long)Regions * 64 * k, count[0]);
        if (k > 1) Assert.True(domain.Dispatchers.Sum(d => d.MessagesBacklogged) > 0, "no ring ever filled: the backlog path was not exercised");
    }

    [Fact]
    public void BadCoreListsAreClearErrors()
    {
        var sys = booted.System;
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => BootedSystem.Wait(Domain.CreateAsync(sys, [sys.CoreCount])));
        Assert.Contains($"0..{sys.CoreCount - 1}", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => BootedSystem.Wait(Domain.CreateAsync(sys, [0, 0])));
        Assert.Contains("twice", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => BootedSystem.Wait(Domain.CreateAsync(sys, [])));
        Assert.Contains("at least one core", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => BootedSystem.Wait(Domain.CreateAsync(sys, null, new DomainOptions { RingSlots = 12 })));
        Assert.Contains("power of two", e4.Message);
    }
}

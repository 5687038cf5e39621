using Multikernel.ParallelLoops;

namespace Multikernel.Tests;

/// <summary>A system that shuts down under a running fork-join region: the region's waits end, so every core can stop.</summary>
public class ForkJoinShutdownTests
{
    struct Nothing : IForBody
    {
        public void Execute(int lo, int hi, int worker) { }
    }

    /// <summary>
    /// The domain's dispatcher 1 runs on core index 1; Shutdown stops core 0 and core 1, and the master on core 0 holds
    /// its core until dispatcher 1's core has stopped, then runs a loop over both dispatchers: the fork to dispatcher 1
    /// is never read. The master's join must end (the loop throws) so that core 0 reaches its stop message, instead of
    /// waiting for ever in its nested dispatch, which leaves core 0 running and Shutdown failing with a timeout.
    /// </summary>
    [Fact]
    public void AJoinWaitingOnADispatcherWhoseCoreStoppedEndsAndTheSystemShutsDown()
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs two cores; this process may use one");
        var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpus[0], cpus[1]], PhysicalMemoryBytes = 16 << 20 });
        var domain = BootedSystem.Wait(Domain.CreateAsync(mk, [0, 1]));
        var started = new ManualResetEventSlim(false);
        var main = domain.RunOnMasterAsync(() =>
        {
            started.Set();
            // Holds core 0 (this thread does not yield) until dispatcher 1's core has stopped, at most 10 s.
            var stoppedBy = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!domain.Dispatchers[1].SystemStopped)
                if (DateTime.UtcNow > stoppedBy) return "dispatcher 1's core did not stop within 10 s";
            try { ForkJoin.For(0, 1000, new Nothing()); }
            catch (ObjectDisposedException e) { return "threw: " + e.Message; }
            return "ran to the end";
        });
        Assert.True(started.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the main thread did not start");
        var shutdown = Record.Exception(() => mk.Shutdown(TimeSpan.FromSeconds(5)));
        Assert.True(shutdown == null, $"Shutdown failed: {shutdown?.GetType().Name}: {shutdown?.Message}");
        domain.Dispose();
        Assert.True(((IAsyncResult)main).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "the main thread's task did not end");
        Assert.StartsWith("threw: ", BootedSystem.Wait(main, 1));
    }
}

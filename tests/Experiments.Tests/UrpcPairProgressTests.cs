using Experiments.Common;
using Fig1.SharedState;
using Multikernel;

namespace Experiments.Tests;

/// <summary>
/// The host's wait for a measurement in core processes (the URPC pair in process mode) is bounded by a stall, not by
/// the run: each wait that times out while the sides' progress changed is followed by another.
/// </summary>
public class UrpcPairProgressTests
{
    /// <summary>A wait that never sees its condition within the time given: it times out, as MultikernelSystem.WaitFor does.</summary>
    static void TimesOut(Func<bool> condition, TimeSpan timeout, string what)
    {
        if (!condition()) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}");
    }

    [Fact]
    public void TheHostWaitsForAProgressingRunInCoreProcessesPastTheStallBound()
    {
        long progress = 0;
        int waits = 0;
        void Wait(Func<bool> condition, TimeSpan timeout, string what)
        {
            waits++;
            progress++; // the sides finished a batch during this stall period
            TimesOut(condition, timeout, what);
        }
        ProgressWait.Until(UrpcPairBench.Within(Wait, () => waits == 4, "a test pair"), () => progress, "a test pair", TimeSpan.FromSeconds(90));
        Assert.Equal(4, waits);
    }

    [Fact]
    public void TheHostReportsARunInCoreProcessesWhoseProgressStandsStill()
    {
        var clock = new FakeClock();
        void Wait(Func<bool> condition, TimeSpan timeout, string what)
        {
            clock.Advance(timeout);
            TimesOut(condition, timeout, what);
        }
        var e = Assert.Throws<TimeoutException>(() => ProgressWait.Until(UrpcPairBench.Within(Wait, () => false, "a test pair"), () => 7, "a test pair", TimeSpan.FromSeconds(90), clock: clock));
        Assert.Contains("a test pair", e.Message);
        Assert.Contains("no progress for 90 s", e.Message);
        Assert.Equal(TimeSpan.FromSeconds(90), clock.Now); // given up once the count stood still for the stall interval
    }

    /// <summary>
    /// The sides of the URPC pair count every finished batch (a warm-up and a timed one per repetition of each of the
    /// three phases) in their outcomes' progress, which is what the host's stall bound watches.
    /// </summary>
    [Fact]
    public async Task TheUrpcPairSidesCountTheirBatchesInTheirProgress()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        var c = TestCores.UpToTwo;
        var size = new SweepSize(Iterations: 100, Repetitions: 3, Warmup: 20);
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [c[0], c[1]] });
        var binding = await mk.BindAsync(0, 1, UpdateProtocol.RingSlots);
        var pinger = new DispatcherOutcome<PairSideReport>();
        var ponger = new DispatcherOutcome<PairSideReport>();
        await mk.SpawnAsync(0, 1, () => new UrpcPonger(binding.Server, size, ponger));
        await mk.SpawnAsync(0, 0, () => new UrpcPinger(binding.Client, size, pinger));
        ponger.Open();
        pinger.Open();
        await Task.WhenAll(pinger.Completion, ponger.Completion).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        mk.Shutdown();
        Assert.Equal(2 * 3 * size.Repetitions, pinger.Progress);
        Assert.Equal(2 * 3 * size.Repetitions, ponger.Progress);
    }
}

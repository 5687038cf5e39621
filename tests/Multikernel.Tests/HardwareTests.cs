using Multikernel.Hardware;

namespace Multikernel.Tests;

public class CoreAffinityTests
{
    [Fact]
    public void PinnedThreadRunsOnItsCore()
    {
        foreach (int cpu in CoreAffinity.AllowedCpus())
        {
            int seen = -1;
            var t = new Thread(() =>
            {
                CoreAffinity.PinCurrentThread(cpu);
                for (int i = 0; i < 1000; i++) Thread.Yield(); // give the scheduler a chance to move us
                seen = CoreAffinity.CurrentCpu();
            });
            t.Start();
            t.Join();
            Assert.Equal(cpu, seen);
        }
    }

    [Fact]
    public void PinningOutsideMaskIsAClearError()
    {
        int bad = CoreAffinity.AllowedCpus().Max() + 1;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CoreAffinity.PinCurrentThread(bad));
        Assert.Contains($"core {bad} is not in this process's affinity mask", e.Message);
        Assert.Contains("allowed cores:", e.Message);
    }
}

public class CycleClockTests
{
    [Fact]
    public void ClockAdvancesAtItsCalibratedRate()
    {
        ulong t0 = CycleClock.Now();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Thread.Sleep(50);
        ulong t1 = CycleClock.Now();
        double measured = (t1 - t0) / sw.Elapsed.TotalSeconds;
        Assert.InRange(measured / CycleClock.Frequency, 0.8, 1.25);
        Assert.True(CycleClock.Source is "tsc" or "stopwatch");
    }
}

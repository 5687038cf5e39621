namespace Experiments.Tests;

public class CoreTimesTests
{
    //                      user nice system idle iowait irq softirq steal guest guest_nice
    const string Before = """
        cpu  300 0 100 1000 0 0 0 0 0 0
        cpu0 100 0 50 500 0 0 0 0 0 0
        cpu1 200 0 50 500 0 0 0 0 0 0
        intr 12345
        ctxt 999
        """;
    const string After = """
        cpu  600 0 200 1500 0 0 0 0 0 0
        cpu0 180 5 60 500 10 3 2 40 0 0
        cpu1 200 0 50 600 0 0 0 0 0 0
        intr 12399
        """;

    [Fact]
    public void BusyIsUserNiceSystemIrqSoftirqOverAllButSteal()
    {
        var before = CoreTimes.Parse(Before);
        var after = CoreTimes.Parse(After);
        // cpu0: busy 80+5+10+3+2 = 100 ticks, idle+iowait 0+10 = 10, steal 40 not counted: 100 / 110.
        Assert.Equal(100.0 / 110, after.BusySince(before, [0]), 12);
        Assert.Equal(0, after.BusySince(before, [1]));                 // only idle ticks passed
        Assert.Equal(100.0 / 210, after.BusySince(before, [0, 1]), 12); // the set together, not the mean of the cores
    }

    [Fact]
    public void NoTicksOrAMissingCoreGiveNaN()
    {
        var t = CoreTimes.Parse(Before);
        Assert.True(double.IsNaN(t.BusySince(t, [0])));
        Assert.True(double.IsNaN(CoreTimes.Parse(After).BusySince(t, [7])));
    }

    [Fact]
    public void ALineWithTooFewFieldsIsRefused() =>
        Assert.Throws<FormatException>(() => CoreTimes.Parse("cpu0 1 2 3 4\n"));

    [Fact]
    public void ThisMachinesProcStatHasEveryAllowedCoreAndASpinningThreadReadsBusy()
    {
        Assert.SkipWhen(CoreTimes.Read() is null, "no /proc/stat on this machine");
        int core = CoreList.Allowed()[0];
        double busy = double.NaN;
        var t = new Thread(() =>
        {
            Multikernel.Hardware.CoreAffinity.PinCurrentThread(core);
            var before = CoreTimes.Read()!;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.ElapsedMilliseconds < 300) { }
            busy = CoreTimes.Read()!.BusySince(before, [core]);
        });
        t.Start();
        t.Join();
        Assert.Subset(CoreTimes.Read()!.Cpus.ToHashSet(), CoreList.Allowed().ToHashSet());
        Assert.InRange(busy, 0.5, 1.0); // 300 ms of spinning: at least half of the core's ticks busy even on a loaded VM
    }
}

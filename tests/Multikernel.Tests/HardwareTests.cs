
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

    /// <summary>Unpinning gives the thread back every allowed CPU (as /proc shows its mask), not only one of them.</summary>
    [Fact]
    public void AnUnpinnedThreadMayRunOnEveryAllowedCpuAgain()
    {
        var allowed = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(allowed.Count < 2, "needs two allowed CPUs");
        string pinned = "", unpinned = "";
        var t = new Thread(() =>
        {
            CoreAffinity.PinCurrentThread(allowed[^1]);
            pinned = ThreadCpusAllowed();
            CoreAffinity.UnpinCurrentThread();
            unpinned = ThreadCpusAllowed();
        });
        t.Start();
        t.Join();
        Assert.Equal($"{allowed[^1]}", pinned);
        Assert.Equal(CoreAffinity.FormatList(allowed), unpinned);
    }

    /// <summary>The calling thread's CPU mask as /proc/thread-self/status lists it.</summary>
    static string ThreadCpusAllowed() =>
        File.ReadLines("/proc/thread-self/status").First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim();

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
        // Each cycle-clock read is bracketed by two Stopwatch reads, so the time between the two cycle-clock reads is
        // known to lie between the brackets' inner and outer distances however the thread is descheduled around them.
        static (ulong Cycles, long Before, long After) Read()
        {
            long before = System.Diagnostics.Stopwatch.GetTimestamp();
            ulong cycles = CycleClock.Now();
            return (cycles, before, System.Diagnostics.Stopwatch.GetTimestamp());
        }
        var r0 = Read();
        Thread.Sleep(50);
        var r1 = Read();
        double perSecond = System.Diagnostics.Stopwatch.Frequency;
        double shortest = (r1.Before - r0.After) / perSecond, longest = (r1.After - r0.Before) / perSecond;
        double byCycles = (r1.Cycles - r0.Cycles) / CycleClock.Frequency;
        Assert.InRange(byCycles, shortest * 0.8, longest * 1.25);
        Assert.True(CycleClock.Source is "tsc" or "stopwatch");
    }

    /// <summary>
    /// The ordered read is the same clock as the plain one (not another counter or unit) and never precedes a read
    /// made before it: <c>lfence</c> lets nothing after it start before everything before it, the earlier
    /// <c>rdtsc</c> included, has completed.
    /// </summary>
    [Fact]
    public void AnOrderedReadIsTheSameClockAndNeverPrecedesAnEarlierRead()
    {
        ulong slack = (ulong)(CycleClock.Frequency / 10); // a descheduling between the two reads
        int beyondSlack = 0;
        for (int i = 0; i < 100_000; i++)
        {
            ulong plain = CycleClock.Now();
            ulong ordered = CycleClock.NowOrdered();
            Assert.True(ordered >= plain, $"read {i}: the ordered read {ordered} precedes the plain read {plain} made before it");
            if (ordered - plain > slack) beyondSlack++;
        }
        Assert.True(beyondSlack < 10, $"{beyondSlack} of 100000 ordered reads came more than 100 ms after the plain read just before them");
    }
}

public class NativeBlockTests
{
    [Fact]
    public unsafe void BlocksArePageAlignedZeroedResidentAndOnTheRequestedNode()
    {
        int node = MachineTopology.Current.NumaNodes[^1];
        long before = NativeBlock.LiveBytes;
        var kept = new List<(nint Address, nuint Bytes)>();
        // Allocate and free in a churn, as repeated boots do: every block must still be fresh, zeroed and placed.
        for (int i = 0; i < 50; i++)
        {
            nuint bytes = (nuint)(100 + i * 1500);
            byte* p = (byte*)NativeBlock.Alloc(bytes, node);
            Assert.Equal(0, (long)p % 4096);
            // Before this test touches a byte: every page is already resident (no negative status) and on the node.
            var nodes = NativeBlock.NodesOfPages(p, bytes);
            Assert.NotNull(nodes);
            Assert.All(nodes!, n => Assert.Equal(node, n));
            for (nuint k = 0; k < bytes; k++) Assert.Equal(0, p[k]);
            new Span<byte>(p, (int)bytes).Fill(0xAB);
            if (i % 3 == 0) kept.Add(((nint)p, bytes));
            else NativeBlock.Free(p, bytes);
        }
        foreach (var (address, bytes) in kept) NativeBlock.Free((void*)address, bytes);
        Assert.Equal(before, NativeBlock.LiveBytes);
    }

    [Fact]
    public unsafe void FreeingWhatWasNotAllocatedIsAClearError()
    {
        byte* p = (byte*)NativeBlock.Alloc(4096);
        NativeBlock.Free(p, 4096);
        var e = Assert.Throws<InvalidOperationException>(() => NativeBlock.Free(p + 1, 4096));
        Assert.Contains("not a block of this size", e.Message);
    }
}


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
            for (nuint k = 0; k < bytes; k++) Assert.Equal(0, p[k]);
            new Span<byte>(p, (int)bytes).Fill(0xAB);
            var nodes = NativeBlock.NodesOfPages(p, bytes);
            Assert.NotNull(nodes);
            Assert.All(nodes!, n => Assert.Equal(node, n)); // resident (no negative status) and on the node
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

using FsCheck.Xunit;
using Multikernel.Threads;

namespace Multikernel.Tests;

/// <summary>Fork-join regions forked concurrently by several masters, nested, and failing (bounded in time).</summary>
public class ForkJoinStressTests(BootedSystem booted) : IClassFixture<BootedSystem>
{
    static int Clamp(int x, int lo, int hi) => lo + (int)((uint)x % (uint)(hi - lo + 1));

    struct Hits : IForBody
    {
        public int[] Counts;
        public int Bad;
        public void Execute(int lo, int hi, int worker)
        {
            for (int i = lo; i < hi; i++)
            {
                if (i == Bad) throw new InvalidDataException($"bad index {i}");
                Interlocked.Increment(ref Counts[i]);
            }
        }
    }

    struct Nested : IForBody
    {
        public int[] Counts;
        public int Inner;
        public void Execute(int lo, int hi, int worker)
        {
            for (int i = lo; i < hi; i++)
                ForkJoin.For(0, Inner, new Hits { Counts = Counts, Bad = -1 }, (i & 1) == 0 ? LoopSchedule.Static : LoopSchedule.Dynamic, (i & 1) == 0 ? 0 : 1);
        }
    }

    /// <summary>
    /// Property: threads on every dispatcher fork asynchronous and synchronous regions at the same time (so a
    /// dispatcher is master of some and worker of others, with nested dispatch in its joins), some regions nest a loop
    /// in their body and some fail: every region that did not fail ran each index exactly once, every failure reached
    /// its master, and nothing hangs.
    /// </summary>
    [Property(MaxTest = 20)]
    public void ConcurrentNestedAndFailingRegionsAllJoin(int threadsSeed, int regionsSeed, int lengthSeed)
    {
        int perDispatcher = Clamp(threadsSeed, 1, 3), regions = Clamp(regionsSeed, 1, 30), length = Clamp(lengthSeed, 0, 200);
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        int wrong = 0, failuresSeen = 0, failuresMade = 0;
        BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var threads = new List<UThread>();
            for (int t = 0; t < k * perDispatcher; t++)
            {
                int id = t;
                threads.Add(UThread.SpawnOn(t % k, async () =>
                {
                    for (int r = 0; r < regions; r++)
                    {
                        var counts = new int[Math.Max(length, 1)];
                        int kind = (id + r) % 5;
                        int bad = (r % 7 == 3 && length > 0) ? (r * 31 + id) % length : -1;
                        if (bad >= 0) Interlocked.Increment(ref failuresMade);
                        var schedule = (r & 1) == 0 ? LoopSchedule.Static : LoopSchedule.Dynamic;
                        int chunk = schedule == LoopSchedule.Dynamic ? r % 4 : 0;
                        try
                        {
                            switch (kind)
                            {
                                case 0:
                                case 1:
                                    await ForkJoin.ForAsync(0, length, new Hits { Counts = counts, Bad = bad }, schedule, chunk);
                                    break;
                                case 2:
                                    ForkJoin.For(0, length, new Hits { Counts = counts, Bad = bad }, schedule, chunk);
                                    break;
                                case 3:
                                    if (bad >= 0) Interlocked.Decrement(ref failuresMade);
                                    bad = -1;
                                    ForkJoin.For(0, Math.Min(length, 4), new Nested { Counts = counts, Inner = length }, schedule, chunk);
                                    for (int i = 0; i < length; i++)
                                        if (counts[i] != Math.Min(length, 4)) Interlocked.Increment(ref wrong);
                                    continue;
                                default:
                                    await UThread.Yield();
                                    if (bad >= 0) Interlocked.Decrement(ref failuresMade);
                                    continue;
                            }
                        }
                        catch (InvalidDataException) { Interlocked.Increment(ref failuresSeen); continue; }
                        for (int i = 0; i < length; i++)
                            if (counts[i] != 1) Interlocked.Increment(ref wrong);
                    }
                }));
            }
            foreach (var t in threads) await t.Join();
        }), seconds: 60);
        Assert.Equal(0, wrong);
        Assert.Equal(failuresMade, failuresSeen);
    }
}

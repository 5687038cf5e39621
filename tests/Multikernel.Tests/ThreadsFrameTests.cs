using FsCheck;
using FsCheck.Fluent;
using Multikernel.Threads;
using Mutex = Multikernel.Threads.Mutex;

namespace Multikernel.Tests;

/// <summary>
/// The frames of suspended UTask calls: reused once the caller has read the result (within a dispatcher, and across
/// dispatchers and domains through the depot), never handed out while in use, and refused to a UTask of an earlier use.
/// </summary>
public class ThreadsFrameTests(BootedSystem booted) : IClassFixture<BootedSystem>
{
    [Fact]
    public void ACallThatSuspendsAllocatesNothingOnceItsFramesExist()
    {
#if DEBUG
        Assert.Skip("a Debug build compiles every async method's state machine as a class, allocated at each call; the Release run checks this");
#endif
        using var domain = booted.NewDomain(1);
        var (first, later) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            await Outer(3);
            long first = GC.GetAllocatedBytesForCurrentThread() - before;
            before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++) await Outer(3);
            return (first, GC.GetAllocatedBytesForCurrentThread() - before);
        }));
        Assert.True(first > 0, "the first suspension of each call of the chain creates its frame");
        Assert.Equal(0, later);

        static async UTask<int> Outer(int depth) => depth == 0 ? await Inner() : 1 + await Outer(depth - 1);
        static async UTask<int> Inner()
        {
            await UThread.Yield();
            return 7;
        }
    }

    [Fact]
    public void TheNextCallReusesTheFrameOfACallWhoseResultWasRead()
    {
        using var domain = booted.NewDomain(1);
        var (same, results) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var a = Suspend(1);
            var frameA = a.Frame;
            int ra = await a;
            var b = Suspend(2);
            bool same = ReferenceEquals(frameA, b.Frame);
            int rb = await b;
            return (same, (ra, rb));
        }));
        Assert.True(same);
        Assert.Equal((11, 12), results);

        static async UTask<int> Suspend(int x)
        {
            await UThread.Yield();
            return 10 + x;
        }
    }

    [Fact]
    public void AFrameStillAwaitedIsNotHandedToAnotherCall()
    {
        using var domain = booted.NewDomain(1);
        var distinct = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var gate = new Threads.Semaphore(0);
            var frames = new List<object?>();
            var threads = new List<UThread>();
            for (int i = 0; i < 8; i++)
                threads.Add(UThread.Spawn(async () =>
                {
                    var t = Blocked(gate);
                    frames.Add(t.Frame);          // one dispatcher: these threads never run at once
                    await t;
                }));
            while (true)
            {
                await UThread.Yield();
                if (frames.Count == threads.Count) break;
            }
            gate.Release(threads.Count);
            foreach (var t in threads) await t.Join();
            return frames.Distinct(ReferenceEqualityComparer.Instance).Count();
        }));
        Assert.Equal(8, distinct);

        static async UTask Blocked(Threads.Semaphore gate) => await gate.WaitAsync();
    }

    [Fact]
    public void AwaitingAUTaskASecondTimeIsRefused()
    {
        using var domain = booted.NewDomain(1);
        var error = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var t = Suspend();
            await t;
            var next = Suspend();                 // reuses t's frame
            try { await t; return "second await accepted"; }
            catch (InvalidOperationException e) { await next; return e.Message; }
        }));
        Assert.Contains("awaited only once", error);

        static async UTask Suspend() => await UThread.Yield();
    }

    [Fact]
    public void AFrameThatEndedInAnExceptionServesTheNextCallCleanly()
    {
        using var domain = booted.NewDomain(1);
        var (message, same, value) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var failing = Maybe(fail: true);
            var frame = failing.Frame;
            string message;
            try { await failing; message = "no exception"; }
            catch (InvalidDataException e) { message = e.Message; }
            var ok = Maybe(fail: false);
            bool same = ReferenceEquals(frame, ok.Frame);
            return (message, same, await ok);
        }));
        Assert.Equal("failed after suspending", message);
        Assert.True(same);
        Assert.Equal(42, value);

        static async UTask<int> Maybe(bool fail)
        {
            await UThread.Yield();
            if (fail) throw new InvalidDataException("failed after suspending");
            return 42;
        }
    }

    [Fact]
    public void FramesOutliveTheirDomainAndServeTheNextOne()
    {
        object? frame;
        using (var first = booted.NewDomain(1))
            frame = BootedSystem.Wait(first.RunMainAsync(async () =>
            {
                var t = OnlyHere();
                var f = (object?)t.Frame;
                await t;
                return f;
            }));
        Assert.NotNull(frame);
        using var second = booted.NewDomain(1);
        var reused = BootedSystem.Wait(second.RunMainAsync(async () =>
        {
            var t = OnlyHere();
            bool same = ReferenceEquals(frame, t.Frame);
            await t;
            return same;
        }));
        Assert.True(reused, "the first domain's dispatcher handed its idle frame to the depot when it left");

        // A frame type of this test alone, so no other test's calls take its frame from the depot in between.
        static async UTask OnlyHere() => await UThread.Yield();
    }

    /// <summary>
    /// Random call trees on every dispatcher, suspending at random points (yields, a mutex shared across dispatchers)
    /// while frames are reused all the time: every result equals the same tree computed without suspending.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 40)]
    public Property RandomSuspendingCallTreesComputeWhatTheyWouldWithoutSuspending() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            using var domain = booted.NewDomain();
            int dispatchers = domain.DispatcherCount;
            const int threadsPerDispatcher = 3;
            var results = BootedSystem.Wait(domain.RunMainAsync(async () =>
            {
                var shared = new Mutex();
                var threads = new List<UThread>();
                var values = new long[dispatchers * threadsPerDispatcher];
                for (int d = 0; d < dispatchers; d++)
                    for (int k = 0; k < threadsPerDispatcher; k++)
                    {
                        int slot = d * threadsPerDispatcher + k;
                        threads.Add(UThread.SpawnOn(d, async () => values[slot] = await Tree(unchecked(seed + slot), 6, shared)));
                    }
                foreach (var t in threads) await t.Join();
                return values;
            }));
            for (int slot = 0; slot < results.Length; slot++)
                Assert.Equal(Reference(unchecked(seed + slot), 6), results[slot]);
        });

    /// <summary>Node value: mixes the children's values; which nodes suspend, and how, depends on the seed.</summary>
    static async UTask<long> Tree(int seed, int depth, Mutex shared)
    {
        uint h = Hash(seed, depth);
        switch (h % 4)
        {
            case 0: await UThread.Yield(); break;
            case 1:
                await shared.LockAsync();
                await UThread.Yield();       // held across a suspension, so other threads park on it
                shared.Unlock();
                break;
        }
        if (depth == 0) return h;
        long left = await Tree(unchecked(seed * 31 + 1), depth - 1, shared);
        long right = h % 3 == 0 ? 0 : await Tree(unchecked(seed * 31 + 2), depth - 1, shared);
        return unchecked(left * 1_000_003 + right + h);
    }

    static long Reference(int seed, int depth)
    {
        uint h = Hash(seed, depth);
        if (depth == 0) return h;
        long left = Reference(unchecked(seed * 31 + 1), depth - 1);
        long right = h % 3 == 0 ? 0 : Reference(unchecked(seed * 31 + 2), depth - 1);
        return unchecked(left * 1_000_003 + right + h);
    }

    static uint Hash(int seed, int depth)
    {
        unchecked
        {
            uint x = (uint)seed * 0x9E3779B1u ^ (uint)depth * 0x85EBCA77u;
            x ^= x >> 15;
            x *= 0x2C1B3C6Du;
            x ^= x >> 12;
            return x;
        }
    }
}

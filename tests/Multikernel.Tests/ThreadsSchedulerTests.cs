using System.Runtime.CompilerServices;
using Multikernel.Threads;

namespace Multikernel.Tests;

public class ThreadsSchedulerTests(BootedSystem booted) : IClassFixture<BootedSystem>
{
    [Fact]
    public void ContinuationsRunOnTheirDispatchersCoreThread()
    {
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var ds = domain.Dispatchers;
        int misplaced = 0, checks = 0;
        BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Threads.Mutex();
            var sem = new Threads.Semaphore(0);
            var threads = new List<UThread>();
            for (int i = 0; i < 4 * k; i++)
            {
                int home = i % k;
                threads.Add(UThread.SpawnOn(home, async () =>
                {
                    for (int r = 0; r < 20; r++)
                    {
                        await UThread.Yield();
                        Check(home);
                        await mutex.LockAsync();
                        Check(home);
                        mutex.Unlock();
                        sem.Release();
                        await sem.WaitAsync();   // often woken from the other core
                        Check(home);
                    }
                }));
            }
            foreach (var t in threads)
            {
                await t.Join();
                Check(0);
            }
        }));
        Assert.Equal(0, misplaced);
        Assert.True(checks >= 4 * k * 20 * 3);

        void Check(int home)
        {
            Interlocked.Increment(ref checks);
            if (!Where.OnCoreOf(ds[home]) || UThread.Current is not { } t || t.DispatcherIndex != home)
                Interlocked.Increment(ref misplaced);
        }
    }

    [Fact]
    public void JoinsThousandsOfThreadsAcrossDispatchers()
    {
        const int Threads = 5000;
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var ranOn = new int[Threads];
        var (joined, faults) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var all = new UThread[Threads];
            for (int i = 0; i < Threads; i++)
            {
                int id = i;
                all[i] = UThread.SpawnOn(i % k, async () =>
                {
                    await UThread.Yield();
                    ranOn[id] = ForkJoin.WorkerIndex + 1;
                });
            }
            int faults = 0;
            foreach (var t in all)
            {
                try { await t.Join(); }
                catch { faults++; }
            }
            return (all.Count(t => t.IsCompleted), faults);
        }));
        Assert.Equal(Threads, joined);
        Assert.Equal(0, faults);
        for (int i = 0; i < Threads; i++) Assert.Equal(i % k + 1, ranOn[i]);
        Assert.All(domain.Dispatchers, d => Assert.Equal(0, BootedSystem.Wait(booted.System.CallOn(domain.CoreIndices[d.Index], _ => d.Scheduler.LiveThreads))));
    }

    [Fact]
    public void YieldLetsOtherThreadsOfTheDispatcherRunInFifoOrder()
    {
        using var domain = booted.NewDomain(1);
        var trace = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var log = new List<string>();
            var a = UThread.Spawn(async () => { for (int i = 0; i < 3; i++) { log.Add($"a{i}"); await UThread.Yield(); } });
            var b = UThread.Spawn(async () => { for (int i = 0; i < 3; i++) { log.Add($"b{i}"); await UThread.Yield(); } });
            await a.Join();
            await b.Join();
            return string.Join(' ', log);
        }));
        Assert.Equal("a0 b0 a1 b1 a2 b2", trace);
    }

    [Fact]
    public void JoinRethrowsTheExceptionThatEndedTheThread()
    {
        using var domain = booted.NewDomain();
        int other = domain.DispatcherCount - 1;
        var message = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var t = UThread.SpawnOn(other, async () =>
            {
                await UThread.Yield();
                throw new InvalidDataException("thread failed");
            });
            try { await t.Join(); return "no exception"; }
            catch (InvalidDataException e) { return e.Message; }
        }));
        Assert.Equal("thread failed", message);
    }

    [Fact]
    public void NestedUTaskCallsReturnValuesWithinTheThread()
    {
        using var domain = booted.NewDomain();
        var sum = BootedSystem.Wait(domain.RunMainAsync(async () => await SumTo(200)));
        Assert.Equal(200 * 201 / 2, sum);

        static async UTask<int> SumTo(int n)
        {
            if (n == 0) return 0;
            if (n % 7 == 0) await UThread.Yield();
            return n + await SumTo(n - 1);
        }
    }

    [Fact]
    public void AwaitingAForeignTaskIsRefusedWithAClearError()
    {
        using var domain = booted.NewDomain();
        var e = Assert.Throws<NotSupportedException>(() => BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            await Task.Delay(1);
        })));
        Assert.Contains("not a threads-package primitive", e.Message);
    }

    [Fact]
    public void AThreadThatDoesNotAwaitASuspendedCallAtOnceIsRefusedAtItsNextWait()
    {
        using var domain = booted.NewDomain(1);
        var (yieldError, joinError) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var gate = new Threads.Semaphore(0);
            UTask pending = Wait(gate);          // suspends inside the main thread, which goes on (a misuse)
            string y = "", j = "";
            try { await UThread.Yield(); } catch (InvalidOperationException e) { y = e.Message; }
            var other = UThread.Spawn(() => UTask.CompletedTask);
            try { await other.Join(); } catch (InvalidOperationException e) { j = e.Message; }
            gate.Release();                      // nothing was queued by the refused waits: the thread still resumes
            await pending;
            await other.Join();
            return (y, j);
        }));
        Assert.Contains("already waiting", yieldError);
        Assert.Contains("already waiting", joinError);

        static async UTask Wait(Threads.Semaphore s) => await s.WaitAsync();
    }

    /// <summary>
    /// A thread that ends while a UTask method it called is still parked (it neither awaited the call nor waited
    /// again) fails with a clear error for its joiners, and keeps its slot until that call's wake-up has come: the
    /// wake-up, a URPC message naming the slot, then resumes the orphaned call instead of faulting the dispatcher
    /// (a slot holding no thread) or waking another thread that took the slot.
    /// </summary>
    [Fact]
    public void AThreadThatEndsWithASuspendedCallNotAwaitedFailsClearly()
    {
        Assert.SkipWhen(booted.Cores < 2, "needs two cores; this process may use one");
        using var domain = booted.NewDomain(2);
        var (joinError, after) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var gate = new Threads.Semaphore(0);
            var resumed = new int[1];
            var careless = UThread.SpawnOn(1, () =>
            {
                _ = Wait(gate, resumed);         // suspends inside the thread, which then ends (a misuse)
                return UTask.CompletedTask;
            });
            string j = "joined without an error";
            try { await careless.Join(); } catch (InvalidOperationException e) { j = e.Message; }
            var second = new Threads.Semaphore(0);
            var bystander = UThread.SpawnOn(1, async () => { await second.WaitAsync(); });
            gate.Release();                      // the orphaned call's wake-up, by message to dispatcher 1
            second.Release();
            await bystander.Join();
            await UThread.SpawnOn(1, () => UTask.CompletedTask).Join();
            return (j, Volatile.Read(ref resumed[0]));
        }));
        Assert.Contains("suspended", joinError);
        Assert.Equal(1, after);

        static async UTask Wait(Threads.Semaphore s, int[] resumed)
        {
            await s.WaitAsync();
            resumed[0]++;
        }
    }

    /// <summary>
    /// A thread's end wakes every thread that joins it, not only the first: here two joiners wait for a thread parked on
    /// a semaphore, and both have finished a few rounds after it is released.
    /// </summary>
    [Fact]
    public void AThreadsEndWakesEveryJoiner()
    {
        using var domain = booted.NewDomain(1);
        var finished = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var gate = new Threads.Semaphore(0);
            var target = UThread.Spawn(async () => await gate.WaitAsync());
            var joiners = Enumerable.Range(0, 2).Select(_ => UThread.Spawn(async () => await target.Join())).ToList();
            await UThread.Yield();                 // the target waits at the gate, both joiners queue on it
            gate.Release();
            for (int i = 0; i < 4; i++) await UThread.Yield();
            bool[] done = [.. joiners.Select(j => j.IsCompleted)];
            if (done.All(d => d))
                foreach (var j in joiners) await j.Join();
            return done;                           // a joiner left parked is abandoned at teardown
        }), seconds: 10);
        Assert.Equal([true, true], finished);
    }

    /// <summary>A thread that joins itself fails with a clear error instead of waiting for ever.</summary>
    [Fact]
    public void AThreadThatJoinsItselfFailsClearly()
    {
        using var domain = booted.NewDomain(1);
        var error = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            UThread? self = null;
            self = UThread.Spawn(async () => await self!.Join());
            for (int i = 0; i < 3; i++) await UThread.Yield();
            if (!self.IsCompleted) return "the thread is still waiting for itself";
            try { await self.Join(); return "no error"; }
            catch (InvalidOperationException e) { return e.Message; }
        }), seconds: 10);
        Assert.Contains("cannot join itself", error);
    }

    [Fact]
    public void PrimitivesOutsideAUserThreadAreAClearError()
    {
        var e = Assert.Throws<InvalidOperationException>(() => UThread.Spawn(() => UTask.CompletedTask));
        Assert.Contains("domain dispatcher", e.Message);
        Assert.Throws<InvalidOperationException>(() => ForkJoin.Workers);
    }

    [Fact]
    public void AWakeUpOfAThreadOnAnotherDispatcherIsCountedAsAMessage()
    {
        Assert.SkipWhen(booted.Cores < 2, "needs two cores: one dispatcher wakes a thread of the other");
        using var domain = booted.NewDomain(2);
        BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Threads.Mutex();
            await mutex.LockAsync();
            var waiter = UThread.SpawnOn(1, async () => { await mutex.LockAsync(); mutex.Unlock(); });
            while (mutex.QueuedWaiters == 0) await UThread.Yield();   // it polled for 2 us, then queued and parked
            mutex.Unlock();                                           // wakes it on dispatcher 1: one message
            while (!waiter.IsCompleted) await UThread.Yield();        // so the join below need not park
            await waiter.Join();
        }));
        Assert.Equal(1, domain.Dispatchers[0].Scheduler.RemoteWakes);
        Assert.Equal(0, domain.Dispatchers[1].Scheduler.RemoteWakes);
        Assert.Equal(0, domain.Dispatchers[1].Scheduler.LostMutexRaces);
    }
    /// <summary>
    /// Teardown while a thread of dispatcher 0 keeps spawning threads on dispatcher 1: the spawns made after dispatcher 1
    /// left (at least the one of the round in which dispatcher 0 learns that it left) stay unread in its ring or in
    /// dispatcher 0's backlog. Teardown releases the object handles those messages hold, so the threads they name
    /// (and whatever their bodies hold) become garbage instead of being pinned for the life of the process.
    /// </summary>
    [Fact]
    public void TearDownReleasesThreadsSpawnedOnADispatcherThatHadLeft()
    {
        Assert.SkipWhen(booted.Cores < 2, "needs two cores; this process may use one");
        var neverAdopted = SpawnOnDispatcherOneWhileTearingDown();
        Assert.True(neverAdopted.Count > 0, "every spawn reached dispatcher 1 before it left: the case under test did not arise");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int alive = neverAdopted.Count(w => w.TryGetTarget(out _));
        Assert.True(alive == 0, $"{alive} of the {neverAdopted.Count} threads spawned on dispatcher 1 after it left are still alive after teardown and a full GC: their spawn messages' object handles leaked");
    }

    /// <summary>The threads spawned too late to be adopted, weakly held (no frame of the caller keeps them alive).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    List<WeakReference<UThread>> SpawnOnDispatcherOneWhileTearingDown()
    {
        var domain = booted.NewDomain(2);
        var spawned = new List<UThread>();   // appended to by dispatcher 0's spawner only; read once it has left
        var armed = new int[1];
        BootedSystem.Wait(domain.RunMainAsync(() =>
        {
            UThread.Spawn(async () =>
            {
                while (true)
                {
                    if (Volatile.Read(ref armed[0]) != 0) spawned.Add(UThread.SpawnOn(1, () => UTask.CompletedTask));
                    await UThread.Yield();
                }
            });
            return UTask.CompletedTask;
        }));
        Volatile.Write(ref armed[0], 1);
        domain.Dispose();                    // the spawner is abandoned with dispatcher 0, still holding the list
        var late = spawned.Where(t => t.Home == null).Select(t => new WeakReference<UThread>(t)).ToList();
        spawned.Clear();
        return late;
    }
}

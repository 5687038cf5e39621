using System.Diagnostics;
using FsCheck.Xunit;
using Multikernel.Threads;
using Barrier = Multikernel.Threads.Barrier;
using Mutex = Multikernel.Threads.Mutex;
using Semaphore = Multikernel.Threads.Semaphore;

namespace Multikernel.Tests;

public class ThreadsSyncTests(BootedSystem booted) : IClassFixture<BootedSystem>
{
    static int Clamp(int x, int lo, int hi) => lo + (int)((uint)x % (uint)(hi - lo + 1));

    /// <summary>What thread <c>id</c> does inside its <c>n</c>-th critical section: nothing, yield, or spin.</summary>
    enum Dawdle { None, Yield, Spin }

    /// <summary>
    /// <paramref name="perDispatcher"/> threads on every dispatcher of <paramref name="domain"/> each increment a plain
    /// counter <paramref name="iterations"/> times under one mutex, dawdling inside as <paramref name="dawdle"/> says
    /// (spinning <paramref name="spin"/> iterations); returns the counter and how often two threads were inside together.
    /// </summary>
    static (long Counter, int Overlaps) CountUnderMutex(Domain domain, int perDispatcher, int iterations, Func<int, int, Dawdle> dawdle, int spin = 0)
    {
        int k = domain.DispatcherCount;
        long counter = 0;
        int inside = 0, overlaps = 0;
        BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            var threads = new List<UThread>();
            for (int i = 0; i < k * perDispatcher; i++)
            {
                int id = i;
                threads.Add(UThread.SpawnOn(i % k, async () =>
                {
                    for (int n = 0; n < iterations; n++)
                    {
                        await mutex.LockAsync();
                        if (Interlocked.Increment(ref inside) != 1) Interlocked.Increment(ref overlaps);
                        long v = counter;
                        switch (dawdle(n, id))
                        {
                            case Dawdle.Yield: await UThread.Yield(); break;
                            case Dawdle.Spin: Thread.SpinWait(spin); break;
                        }
                        counter = v + 1;
                        Interlocked.Decrement(ref inside);
                        mutex.Unlock();
                    }
                }));
            }
            foreach (var t in threads) await t.Join();
        }), seconds: 120);
        return (counter, overlaps);
    }

    /// <summary>
    /// Many threads on every dispatcher increment a plain counter under a mutex, yielding inside the critical section
    /// so that threads of the same core and of the other core contend: no update is lost and no two threads are ever
    /// inside together.
    /// </summary>
    [Fact]
    public void MutexGivesMutualExclusionUnderStressOnAllCores()
    {
        const int ThreadsPerDispatcher = 32, Iterations = 300;
        using var domain = booted.NewDomain();
        var (counter, overlaps) = CountUnderMutex(domain, ThreadsPerDispatcher, Iterations, (n, _) => n % 3 == 0 ? Dawdle.Yield : Dawdle.None);
        Assert.Equal(0, overlaps);
        Assert.Equal((long)domain.DispatcherCount * ThreadsPerDispatcher * Iterations, counter);
    }

    /// <summary>
    /// Property: for any number of threads per dispatcher, critical-section lengths (from a few instructions, which
    /// lockers on other dispatchers wait out by polling, to longer than the adaptive wait's budget and sections that
    /// yield, which make them queue and park) and either domain wait option, no two threads are ever inside together,
    /// no update is lost and every thread finishes.
    /// </summary>
    [Property(MaxTest = 25)]
    public void MutexAdaptiveWaitKeepsMutualExclusion(int threadsSeed, int sectionSeed, bool pollWhileThreadsWait)
    {
        int perDispatcher = Clamp(threadsSeed, 1, 4), longSpin = Clamp(sectionSeed, 0, 20_000);
        const int Iterations = 400;
        using var domain = booted.NewDomain(options: new DomainOptions { PollWhileThreadsWait = pollWhileThreadsWait });
        var (counter, overlaps) = CountUnderMutex(domain, perDispatcher, Iterations,
            (n, id) => (n + id) % 11 == 0 ? Dawdle.Spin : (n + id) % 13 == 0 ? Dawdle.Yield : Dawdle.None, longSpin);
        Assert.Equal(0, overlaps);
        Assert.Equal((long)domain.DispatcherCount * perDispatcher * Iterations, counter);
    }

    [Fact]
    public void MutexWakesWaitersInArrivalOrder()
    {
        using var domain = booted.NewDomain(1);
        var order = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            var log = new List<int>();
            await mutex.LockAsync();
            var threads = Enumerable.Range(0, 10).Select(i => UThread.Spawn(async () =>
            {
                await mutex.LockAsync();
                log.Add(i);
                mutex.Unlock();
            })).ToList();
            await UThread.Yield();               // every thread runs once and queues on the mutex, in spawn order
            Assert.False(mutex.TryLock());
            mutex.Unlock();
            foreach (var t in threads) await t.Join();
            return log;
        }));
        Assert.Equal(Enumerable.Range(0, 10), order);
    }

    /// <summary>
    /// Threads on alternating dispatchers queue on a held mutex one after another (each is queued before the next
    /// is started); with nobody else locking they get it in exactly that order, the wake-up of a thread of the other
    /// core going by a URPC message.
    /// </summary>
    [Fact]
    public void MutexWakesInQueueOrderAcrossCores()
    {
        const int Waiters = 20;
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var (order, ranOn) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            var log = new List<int>();
            var where = new List<int>();
            await mutex.LockAsync();
            var threads = new List<UThread>();
            for (int i = 0; i < Waiters; i++)
            {
                int id = i;
                threads.Add(UThread.SpawnOn(i % k, async () =>
                {
                    await mutex.LockAsync();
                    log.Add(id);
                    where.Add(ForkJoin.WorkerIndex);
                    mutex.Unlock();
                }));
                while (mutex.QueuedWaiters < i + 1) await UThread.Yield();
            }
            mutex.Unlock();
            foreach (var t in threads) await t.Join();
            return (log, where);
        }));
        Assert.Equal(Enumerable.Range(0, Waiters), order);
        Assert.Equal(Enumerable.Range(0, Waiters).Select(i => i % k), ranOn);
    }

    /// <summary>
    /// No convoy, no starvation: an unlock with a waiter queued releases the mutex, so a running locker takes it before
    /// the woken waiter runs; the waiter, having lost, goes back to the head of the queue and the next unlock hands the
    /// mutex to it directly, ahead of a thread that queued later.
    /// </summary>
    [Fact]
    public void MutexLetsARunningLockerInAndHandsOverToAWaiterThatLost()
    {
        using var domain = booted.NewDomain(1);
        var (bargedIn, ownerAfterSecondUnlock, a, order) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            var log = new List<string>();
            await mutex.LockAsync();
            var a = UThread.Spawn(async () => { await mutex.LockAsync(); log.Add("a"); mutex.Unlock(); });
            await UThread.Yield();                 // a runs, finds the mutex held on its own dispatcher, queues and parks
            mutex.Unlock();                        // releases it and wakes a, which has not run yet
            bool bargedIn = mutex.TryLock();       // so the running thread gets in first
            await UThread.Yield();                 // a runs, loses, goes back to the head of the queue, still parked
            var b = UThread.Spawn(async () => { await mutex.LockAsync(); log.Add("b"); mutex.Unlock(); });
            await UThread.Yield();                 // b queues behind a
            mutex.Unlock();                        // hands the mutex to a
            var owner = mutex.Owner;
            await a.Join();
            await b.Join();
            return (bargedIn, owner, a, log);
        }));
        Assert.True(bargedIn, "an unlock with a waiter queued must release the mutex, not hand it over to the parked waiter");
        Assert.Same(a, ownerAfterSecondUnlock);
        Assert.Equal(["a", "b"], order);
        Assert.Equal(1, domain.Dispatchers[0].Scheduler.LostMutexRaces);
        Assert.Equal(0, domain.Dispatchers[0].Scheduler.RemoteWakes);
    }

    /// <summary>
    /// Two queued waiters are woken to compete (by two unlocks) and both lose to a running locker: they go back to the
    /// head of the queue in the order they lost, ahead of a third waiter that has not been woken, so the first to
    /// queue, woken first and losing first, is handed the mutex at the next unlock, the other at the one after, and
    /// the third then competes.
    /// </summary>
    [Fact]
    public void WaitersThatLostAreHandedTheMutexInTheOrderTheyLost()
    {
        using var domain = booted.NewDomain(1);
        var (ownerAfterUnlock, a, order) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            var log = new List<string>();
            await mutex.LockAsync();
            var threads = new[] { "a", "c", "d" }.Select(name =>
                UThread.Spawn(async () => { await mutex.LockAsync(); log.Add(name); mutex.Unlock(); })).ToList();
            await UThread.Yield();                 // a, c, then d queue and park
            mutex.Unlock();                        // wakes a to compete
            Assert.True(mutex.TryLock());          // the running thread gets in first
            mutex.Unlock();                        // wakes c to compete
            Assert.True(mutex.TryLock());          // and gets in first again
            await UThread.Yield();                 // a loses, then c loses: both back at the head, marked, ahead of d
            mutex.Unlock();                        // hands the mutex over to the first that lost
            var owner = mutex.Owner;
            foreach (var t in threads) await t.Join();
            return (owner, threads[0], log);
        }));
        Assert.Equal(2, domain.Dispatchers[0].Scheduler.LostMutexRaces);
        Assert.Same(a, ownerAfterUnlock);
        Assert.Equal(["a", "c", "d"], order);
    }

    /// <summary>
    /// A waiter handed the mutex after losing a race is no longer marked as having lost: when it queues again later, the
    /// unlock that wakes it releases the mutex for it to compete, so a running locker may take it first.
    /// </summary>
    [Fact]
    public void AWaiterHandedTheMutexCompetesAgainTheNextTimeItWaits()
    {
        using var domain = booted.NewDomain(1);
        var (handedOver, bargedIn) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            var gate = new Semaphore(0);
            await mutex.LockAsync();
            UThread? a = null;
            a = UThread.Spawn(async () =>
            {
                await mutex.LockAsync();
                mutex.Unlock();
                await gate.WaitAsync();
                await mutex.LockAsync();
                mutex.Unlock();
            });
            await UThread.Yield();                 // a queues
            mutex.Unlock();                        // wakes a to compete
            Assert.True(mutex.TryLock());          // the running thread gets in first
            await UThread.Yield();                 // a loses
            mutex.Unlock();                        // hands the mutex over to a
            bool handedOver = ReferenceEquals(mutex.Owner, a);
            await UThread.Yield();                 // a unlocks and waits at the gate
            await mutex.LockAsync();
            gate.Release();
            await UThread.Yield();                 // a queues on the mutex again
            mutex.Unlock();                        // wakes a to compete: a running locker may take the mutex first
            bool bargedIn = mutex.TryLock();
            if (bargedIn) mutex.Unlock();
            await a.Join();
            return (handedOver, bargedIn);
        }), seconds: 10);
        Assert.True(handedOver);
        Assert.True(bargedIn, "a waiter that was handed the mutex once was handed it again instead of competing");
    }

    /// <summary>
    /// Signal wakes exactly one waiter, the longest-waiting one (and it returns holding the mutex); later signals wake
    /// the others in the order they began to wait.
    /// </summary>
    [Fact]
    public void CondVarSignalWakesOnlyTheLongestWaiter()
    {
        using var domain = booted.NewDomain(1);
        var (afterOne, all) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            var cv = new CondVar();
            var log = new List<string>();
            var threads = new[] { "a", "b", "c" }.Select(name => UThread.Spawn(async () =>
            {
                await mutex.LockAsync();
                await cv.WaitAsync(mutex);
                log.Add(name + (ReferenceEquals(mutex.Owner, UThread.Current) ? "" : " without the mutex"));
                mutex.Unlock();
            })).ToList();
            await UThread.Yield();                 // a, b, c wait in that order
            List<string> afterOne = [];
            for (int signal = 0; signal < 3; signal++)
            {
                await mutex.LockAsync();
                cv.Signal();
                mutex.Unlock();
                for (int i = 0; i < 4; i++) await UThread.Yield();
                if (signal == 0) afterOne = [.. log];
            }
            foreach (var t in threads) await t.Join();
            return (afterOne, log);
        }), seconds: 10);
        Assert.Equal(["a"], afterOne);
        Assert.Equal(["a", "b", "c"], all);
    }

    /// <summary>
    /// A release of several units hands one to each of that many waiters, longest first, and counts only the rest; a
    /// unit counted is taken by exactly one TryWait.
    /// </summary>
    [Fact]
    public void SemaphoreReleaseHandsUnitsToWaitersInQueueOrderAndCountsTheRest()
    {
        using var domain = booted.NewDomain(1);
        var (afterTwo, countAfterTwo, all, countAfterThree, tries, countAtEnd) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var sem = new Semaphore(0);
            var log = new List<string>();
            var threads = new[] { "a", "b", "c" }.Select(name => UThread.Spawn(async () =>
            {
                await sem.WaitAsync();
                log.Add(name);
            })).ToList();
            await UThread.Yield();                 // a, b, c wait in that order
            sem.Release(2);
            for (int i = 0; i < 3; i++) await UThread.Yield();
            List<string> afterTwo = [.. log];
            long countAfterTwo = sem.CurrentCount;
            sem.Release(3);                        // one to c, two counted
            foreach (var t in threads) await t.Join();
            long countAfterThree = sem.CurrentCount;
            bool[] tries = [sem.TryWait(), sem.TryWait(), sem.TryWait()];
            return (afterTwo, countAfterTwo, log, countAfterThree, tries, sem.CurrentCount);
        }), seconds: 10);
        Assert.Equal(["a", "b"], afterTwo);
        Assert.Equal(0, countAfterTwo);
        Assert.Equal(["a", "b", "c"], all);
        Assert.Equal(2, countAfterThree);
        Assert.Equal([true, true, false], tries);
        Assert.Equal(0, countAtEnd);
    }

    /// <summary>
    /// Bad arguments to the primitives are refused with ArgumentOutOfRangeException: a negative initial count, a barrier
    /// of no participants, a release of no units or a negative number, a thread spawned on a dispatcher the domain does
    /// not have.
    /// </summary>
    [Fact]
    public void BadArgumentsToThePrimitivesAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Semaphore(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Barrier(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Barrier(-1));
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var refused = BootedSystem.Wait(domain.RunMainAsync(() =>
        {
            var sem = new Semaphore(0);
            string Refusal(Action bad)
            {
                try { bad(); return "accepted"; }
                catch (ArgumentOutOfRangeException e) { return e.ParamName ?? "?"; }
            }
            string[] r =
            [
                Refusal(() => sem.Release(0)),
                Refusal(() => sem.Release(-1)),
                Refusal(() => UThread.SpawnOn(k, () => UTask.CompletedTask)),
                Refusal(() => UThread.SpawnOn(-1, () => UTask.CompletedTask)),
            ];
            return new UTask<(string[], long)>((r, sem.CurrentCount));
        }), seconds: 10);
        Assert.Equal(["units", "units", "dispatcherIndex", "dispatcherIndex"], refused.Item1);
        Assert.Equal(0, refused.Item2);
    }

    [Fact]
    public void MutexUnlockedByANonOwnerIsAnError()
    {
        using var domain = booted.NewDomain(1);
        var error = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            await mutex.LockAsync();
            var other = UThread.Spawn(() => { mutex.Unlock(); return UTask.CompletedTask; });
            try { await other.Join(); return "unlocked"; }
            catch (SynchronizationLockException e) { mutex.Unlock(); return e.Message; }
        }));
        Assert.Contains("only by the user thread that holds it", error);
    }

#if DEBUG
    const bool DebugBuild = true;
#else
    const bool DebugBuild = false;
#endif

    /// <summary>
    /// Debug builds: an unlock by a thread of another dispatcher while the holder runs (which Release builds do not
    /// detect: they do not look up the caller) is refused before it changes anything: the holder still holds the
    /// mutex, and the waiter queued meanwhile is handed it at the holder's own unlock instead of being dequeued and
    /// never woken.
    /// </summary>
    [Fact]
    public void AnUnlockByANonOwnerOfAnotherDispatcherChangesNothing()
    {
        Assert.SkipUnless(DebugBuild, "only Debug builds check that an unlock's caller on another dispatcher is the holder");
        Assert.SkipWhen(booted.Cores < 2, "needs two cores; this process may use one");
        using var domain = booted.NewDomain(2);
        var (error, ownerAfter, me, waiterGotIt) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            await mutex.LockAsync();
            bool got = false;
            var waiter = UThread.SpawnOn(1, async () => { await mutex.LockAsync(); got = true; mutex.Unlock(); });
            long deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
            // The holder keeps running (it is the thread its dispatcher runs) until the waiter has queued and the
            // other thread has tried to unlock.
            while (mutex.QueuedWaiters == 0)
                if (Stopwatch.GetTimestamp() > deadline) return ("the waiter never queued", null, null, false);
            var intruder = UThread.SpawnOn(1, () => { mutex.Unlock(); return UTask.CompletedTask; });
            while (!intruder.IsCompleted)
                if (Stopwatch.GetTimestamp() > deadline) return ("the intruder never ran", null, null, false);
            string message;
            try { await intruder.Join(); message = "unlocked"; }
            catch (SynchronizationLockException e) { message = e.Message; }
            var owner = mutex.Owner;
            mutex.Unlock();
            await waiter.Join();
            return (message, owner, (UThread?)UThread.Current, got);
        }));
        Assert.Contains("only by the user thread that holds it", error);
        Assert.NotNull(me);
        Assert.Same(me, ownerAfter);
        Assert.True(waiterGotIt);
    }

    /// <summary>
    /// Property: for any number of threads per dispatcher and rounds, no thread leaves round r of a domain-wide
    /// barrier before every participant has arrived in round r, and the barrier counts one generation per round.
    /// </summary>
    [Property(MaxTest = 30)]
    public void BarrierLetsNobodyPassEarly(int threadsSeed, int roundsSeed)
    {
        int perDispatcher = Clamp(threadsSeed, 1, 6), rounds = Clamp(roundsSeed, 1, 25);
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount, participants = k * perDispatcher;
        var arrived = new int[rounds];
        int early = 0;
        long generations = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var barrier = new Barrier(participants);
            var threads = new List<UThread>();
            for (int i = 0; i < participants; i++)
                threads.Add(UThread.SpawnOn(i % k, async () =>
                {
                    for (int r = 0; r < rounds; r++)
                    {
                        Interlocked.Increment(ref arrived[r]);
                        if (r % 2 == 1) await UThread.Yield();
                        await barrier.SignalAndWaitAsync();
                        if (Volatile.Read(ref arrived[r]) != participants || barrier.Generation <= r) Interlocked.Increment(ref early);
                    }
                }));
            foreach (var t in threads) await t.Join();
            return barrier.Generation;
        }));
        Assert.Equal(0, early);
        Assert.Equal(rounds, generations);
        Assert.All(arrived, a => Assert.Equal(participants, a));
    }

    /// <summary>
    /// Property: a bounded buffer (mutex + two condition variables, Signal only) with producers and consumers on
    /// every dispatcher delivers every item exactly once and never hangs (a lost wake-up would leave a thread
    /// parked and the run would time out).
    /// </summary>
    [Property(MaxTest = 30)]
    public void CondVarBoundedBufferLosesNoWakeUp(int producersSeed, int consumersSeed, int itemsSeed, int capacitySeed)
    {
        int producers = Clamp(producersSeed, 1, 4), consumers = Clamp(consumersSeed, 1, 4);
        int perProducer = Clamp(itemsSeed, 0, 300), capacity = Clamp(capacitySeed, 1, 8);
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount, total = k * producers * perProducer;
        var received = new int[total];
        BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            var notFull = new CondVar();
            var notEmpty = new CondVar();
            var buffer = new Queue<int>();
            int taken = 0;
            var threads = new List<UThread>();
            for (int p = 0; p < k * producers; p++)
            {
                int first = p * perProducer;
                threads.Add(UThread.SpawnOn(p % k, async () =>
                {
                    for (int i = 0; i < perProducer; i++)
                    {
                        await mutex.LockAsync();
                        while (buffer.Count == capacity) await notFull.WaitAsync(mutex);
                        buffer.Enqueue(first + i);
                        notEmpty.Signal();
                        mutex.Unlock();
                    }
                }));
            }
            for (int c = 0; c < k * consumers; c++)
                threads.Add(UThread.SpawnOn((c + 1) % k, async () =>
                {
                    while (true)
                    {
                        await mutex.LockAsync();
                        while (buffer.Count == 0 && taken < total) await notEmpty.WaitAsync(mutex);
                        if (buffer.Count == 0)
                        {
                            mutex.Unlock();
                            return;
                        }
                        Interlocked.Increment(ref received[buffer.Dequeue()]);
                        if (++taken == total) notEmpty.Broadcast();   // release the consumers still waiting
                        notFull.Signal();
                        mutex.Unlock();
                    }
                }));
            foreach (var t in threads) await t.Join();
        }), seconds: 30);
        Assert.All(received, n => Assert.Equal(1, n));
    }

    /// <summary>
    /// Property: producers and consumers on every dispatcher hand items through a queue guarded by a mutex, counted
    /// by two semaphores (free batch slots; filled items, released a whole batch at a time so one release wakes
    /// several waiters): every item arrives exactly once and nobody hangs.
    /// </summary>
    [Property(MaxTest = 30)]
    public void SemaphoreProducerConsumerLosesNoWakeUp(int producersSeed, int itemsSeed, int capacitySeed, int batchSeed)
    {
        int producers = Clamp(producersSeed, 1, 4), perProducer = Clamp(itemsSeed, 0, 300);
        int capacity = Clamp(capacitySeed, 1, 8), batch = Clamp(batchSeed, 1, 3);
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount, total = k * producers * perProducer * batch;
        var received = new int[total];
        BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var mutex = new Mutex();
            var free = new Semaphore(capacity);
            var filled = new Semaphore(0);
            var queue = new Queue<int>();
            var threads = new List<UThread>();
            for (int p = 0; p < k * producers; p++)
            {
                int first = p * perProducer * batch;
                threads.Add(UThread.SpawnOn(p % k, async () =>
                {
                    for (int i = 0; i < perProducer; i++)
                    {
                        await free.WaitAsync();
                        await mutex.LockAsync();
                        for (int b = 0; b < batch; b++) queue.Enqueue(first + i * batch + b);
                        mutex.Unlock();
                        filled.Release(batch);           // several units at once: several waiters may wake
                    }
                }));
            }
            // One consumer per producer, on the other dispatcher; each takes the same number of items.
            for (int c = 0; c < k * producers; c++)
                threads.Add(UThread.SpawnOn((c + 1) % k, async () =>
                {
                    for (int i = 0; i < perProducer * batch; i++)
                    {
                        await filled.WaitAsync();
                        await mutex.LockAsync();
                        int item = queue.Dequeue();
                        mutex.Unlock();
                        Interlocked.Increment(ref received[item]);
                        if (item % batch == batch - 1) free.Release();   // a batch is contiguous in the queue
                    }
                }));
            foreach (var t in threads) await t.Join();
            Assert.Equal(capacity, free.CurrentCount);
            Assert.Equal(0, filled.CurrentCount);
        }), seconds: 30);
        Assert.All(received, n => Assert.Equal(1, n));
    }
}

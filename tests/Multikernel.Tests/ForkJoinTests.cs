using System.Diagnostics;
using FsCheck.Xunit;
using Multikernel.Threads;

namespace Multikernel.Tests;

public class ForkJoinTests(BootedSystem booted, ITestOutputHelper output) : IClassFixture<BootedSystem>
{
    static int Clamp(int x, int lo, int hi) => lo + (int)((uint)x % (uint)(hi - lo + 1));

    /// <summary>Counts how often each index runs, which worker ran it, and whether it ran on that worker's core.</summary>
    struct CountHits : IForBody
    {
        public int From;
        public int[] Hits, RanBy;
        public DomainDispatcher[] Dispatchers;
        public int[] Misplaced;

        public void Execute(int lo, int hi, int worker)
        {
            if (ForkJoin.WorkerIndex != worker || !Where.OnCoreOf(Dispatchers[worker])) Interlocked.Increment(ref Misplaced[0]);
            for (int i = lo; i < hi; i++)
            {
                Interlocked.Increment(ref Hits[i - From]);
                RanBy[i - From] = worker;
            }
        }
    }

    /// <summary>
    /// Property: for random ranges, domain sizes, schedules and chunk sizes, every index runs exactly once, on the
    /// dispatcher named by the worker argument; under the static schedule index i runs on the worker whose block
    /// (<see cref="BlockPartition"/>) holds it.
    /// </summary>
    [Property(MaxTest = 60)]
    public void EveryIndexRunsExactlyOnce(int fromSeed, int lengthSeed, bool dynamic, int chunkSeed, int workersSeed)
    {
        int from = Clamp(fromSeed, -1000, 1000), length = Clamp(lengthSeed, 0, 5000);
        int workers = Clamp(workersSeed, 1, booted.Cores), chunk = dynamic ? Clamp(chunkSeed, 0, 64) : 0;
        var schedule = dynamic ? LoopSchedule.Dynamic : LoopSchedule.Static;
        using var domain = booted.NewDomain(workers);
        var body = new CountHits
        {
            From = from, Hits = new int[length], RanBy = new int[length],
            Dispatchers = domain.Dispatchers.ToArray(), Misplaced = new int[1],
        };
        BootedSystem.Wait(domain.RunOnMasterAsync(() =>
        {
            ForkJoin.For(from, from + length, body, schedule, chunk);
            return 0;
        }));
        Assert.All(body.Hits, h => Assert.Equal(1, h));
        Assert.Equal(0, body.Misplaced[0]);
        if (!dynamic)
            for (int w = 0; w < workers; w++)
            {
                var (lo, hi) = BlockPartition.Block(from, from + length, workers, w);
                for (int i = lo; i < hi; i++) Assert.Equal(w, body.RanBy[i - from]);
            }
    }

    struct SquaresMod : IReduceBody<long>
    {
        public long Execute(int lo, int hi, int worker)
        {
            long s = 0;
            for (int i = lo; i < hi; i++) s += (long)i * i % 1009;
            return s;
        }
        public long Combine(long left, long right) => left + right;
    }

    struct Harmonic : IReduceBody<double>
    {
        public double Execute(int lo, int hi, int worker)
        {
            double s = 0;
            for (int i = lo; i < hi; i++) s += 1.0 / (i + 1.5);
            return s;
        }
        public double Combine(double left, double right) => left + right;
    }

    /// <summary>Property: an exact (integer) reduction equals the sequential sum, for both schedules.</summary>
    [Property(MaxTest = 40)]
    public void IntegerReductionEqualsSequentialSum(int fromSeed, int lengthSeed, bool dynamic, int chunkSeed)
    {
        int from = Clamp(fromSeed, -500, 500), length = Clamp(lengthSeed, 0, 20_000), chunk = dynamic ? Clamp(chunkSeed, 0, 100) : 0;
        using var domain = booted.NewDomain();
        long expected = 7;
        for (int i = from; i < from + length; i++) expected += (long)i * i % 1009;
        long got = BootedSystem.Wait(domain.RunOnMasterAsync(() =>
            ForkJoin.Reduce(from, from + length, 7L, new SquaresMod(), dynamic ? LoopSchedule.Dynamic : LoopSchedule.Static, chunk)));
        Assert.Equal(expected, got);
    }

    /// <summary>
    /// A floating-point reduction is folded in chunk order: it equals the sequential fold over the same chunk grid
    /// bit for bit, every time, however the chunks were spread or stolen.
    /// </summary>
    [Theory]
    [InlineData(LoopSchedule.Static, 0)]
    [InlineData(LoopSchedule.Dynamic, 0)]
    [InlineData(LoopSchedule.Dynamic, 7)]
    public void FloatingPointReductionIsDeterministicInChunkOrder(LoopSchedule schedule, int chunkSize)
    {
        const int From = 3, To = 100_003;
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var body = new Harmonic();
        double expected = 0.25;
        if (schedule == LoopSchedule.Static)
            for (int w = 0; w < k; w++)
            {
                var (lo, hi) = BlockPartition.Block(From, To, k, w);
                if (lo < hi) expected += body.Execute(lo, hi, w);
            }
        else
        {
            int size = chunkSize > 0 ? chunkSize : Math.Max(1, (To - From) / (8 * k));
            for (int lo = From; lo < To; lo += size) expected += body.Execute(lo, Math.Min(lo + size, To), 0);
        }
        var results = BootedSystem.Wait(domain.RunOnMasterAsync(() =>
            Enumerable.Range(0, 20).Select(_ => ForkJoin.Reduce(From, To, 0.25, body, schedule, chunkSize)).ToArray()));
        Assert.All(results, r => Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(r)));
    }

    /// <summary>Spins for about the given time: a chunk of uneven cost.</summary>
    static void Burn(double microseconds)
    {
        long end = Stopwatch.GetTimestamp() + (long)(microseconds * Stopwatch.Frequency / 1e6);
        while (Stopwatch.GetTimestamp() < end) { }
    }

    struct Skewed : IForBody
    {
        public int[] Hits;
        public int Expensive;
        public void Execute(int lo, int hi, int worker)
        {
            for (int i = lo; i < hi; i++)
            {
                if (i < Expensive) Burn(300);
                Interlocked.Increment(ref Hits[i]);
            }
        }
    }

    /// <summary>
    /// Under the dynamic schedule with all the cost in dispatcher 0's initial share, the other dispatchers steal
    /// chunks from it by URPC message, and every chunk still runs exactly once.
    /// </summary>
    [Fact]
    public void DynamicScheduleStealsFromALoadedDispatcher()
    {
        Assert.SkipWhen(booted.Cores < 2, "needs two cores; this process may use one");
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        const int N = 64;
        long stolen = 0;
        for (int attempt = 0; attempt < 5 && stolen == 0; attempt++)
        {
            var body = new Skewed { Hits = new int[N], Expensive = N / k };
            BootedSystem.Wait(domain.RunOnMasterAsync(() =>
            {
                ForkJoin.For(0, N, body, LoopSchedule.Dynamic, chunkSize: 1);
                return 0;
            }));
            Assert.All(body.Hits, h => Assert.Equal(1, h));
            stolen = domain.Dispatchers.Skip(1).Sum(d => ForkJoin.StatisticsOf(d).StealsReceived);
        }
        Assert.True(stolen > 0, "no dispatcher ever stole a chunk from the loaded one");
        Assert.True(ForkJoin.StatisticsOf(domain.Dispatchers[0]).StealsGiven > 0);
    }

    struct ThrowsAt : IForBody
    {
        public int Bad;
        public void Execute(int lo, int hi, int worker)
        {
            if (lo <= Bad && Bad < hi) throw new InvalidDataException($"index {Bad} failed on worker {worker}");
        }
    }

    struct Add : IForBody
    {
        public long[] Sum;
        public void Execute(int lo, int hi, int worker) { for (int i = lo; i < hi; i++) Interlocked.Add(ref Sum[0], i); }
    }

    [Theory]
    [InlineData(LoopSchedule.Static)]
    [InlineData(LoopSchedule.Dynamic)]
    public void ExceptionInABodyReachesTheMasterAfterTheJoin(LoopSchedule schedule)
    {
        using var domain = booted.NewDomain();
        var (message, after) = BootedSystem.Wait(domain.RunOnMasterAsync(() =>
        {
            string m = "";
            try { ForkJoin.For(0, 1000, new ThrowsAt { Bad = 999 }, schedule); }
            catch (InvalidDataException e) { m = e.Message; }
            var sum = new long[1];
            ForkJoin.For(0, 1000, new Add { Sum = sum }, schedule);   // the domain still works
            return (m, sum[0]);
        }));
        Assert.StartsWith("index 999 failed", message);
        Assert.Equal(999L * 1000 / 2, after);
    }

    /// <summary>ForAsync, like For, rethrows a body's exception on the master once the join has completed.</summary>
    [Theory]
    [InlineData(LoopSchedule.Static)]
    [InlineData(LoopSchedule.Dynamic)]
    public void ForAsyncRethrowsABodysExceptionAfterTheJoin(LoopSchedule schedule)
    {
        using var domain = booted.NewDomain();
        var message = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            try
            {
                await ForkJoin.ForAsync(0, 1000, new ThrowsAt { Bad = 999 }, schedule);
                return "ForAsync did not throw";
            }
            catch (InvalidDataException e) { return e.Message; }
        }), seconds: 10);
        Assert.StartsWith("index 999 failed", message);
    }

    /// <summary>Marks each index once it has run; every worker but the master first sleeps, so it finishes last.</summary>
    struct MarkAfterAPause : IForBody
    {
        public int[] Done;
        public void Execute(int lo, int hi, int worker)
        {
            if (worker != 0) Thread.Sleep(50);
            for (int i = lo; i < hi; i++) Volatile.Write(ref Done[i], 1);
        }
    }

    /// <summary>
    /// ForAsync's join completes only when the last worker has finished: the master, whose own share is done at once,
    /// sees every worker's index marked when the await returns.
    /// </summary>
    [Fact]
    public void ForAsyncReturnsOnlyAfterTheLastWorkerHasFinished()
    {
        Assert.SkipWhen(booted.Cores < 2, "needs two cores; this process may use one");
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var done = new int[k];
        var seen = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            await ForkJoin.ForAsync(0, k, new MarkAfterAPause { Done = done });
            return Enumerable.Range(0, k).Select(i => Volatile.Read(ref done[i])).ToArray();
        }), seconds: 10);
        Assert.Equal(Enumerable.Repeat(1, k), seen);
    }

    /// <summary>
    /// A steal takes the upper half of the victim's remaining chunks and the victim keeps the lower half: the two
    /// ranges are disjoint and together are what the victim had (each chunk runs exactly once); one chunk is not split.
    /// </summary>
    [Fact]
    public void ASplitGivesAwayTheUpperHalfDisjointFromWhatTheVictimKeeps()
    {
        var p = new Participation();
        p.Reset(null!, 0, 0, 1, 3, 13);
        Assert.True(p.Split(out int first, out int end));
        Assert.Equal((8, 13), (first, end));
        Assert.Equal((3, 8), (p.Next, p.End));
        p.Reset(null!, 0, 0, 1, 3, 4);
        Assert.False(p.Split(out _, out _));
        Assert.Equal((3, 4), (p.Next, p.End));
    }

    /// <summary>
    /// A thief that received several ranges in one steal round (one per victim, with three or more dispatchers) runs
    /// every one of them, not only the last.
    /// </summary>
    [Fact]
    public void EveryRangeReceivedInAStealRoundIsTaken()
    {
        var p = new Participation();
        p.Reset(null!, 0, 0, 1, 0, 0);
        p.AddGift(10, 12);
        p.AddGift(20, 25);
        p.AddGift(30, 31);
        var taken = new List<(int, int)>();
        while (p.TakeGift()) taken.Add((p.Next, p.End));
        Assert.Equal([(30, 31), (20, 25), (10, 12)], taken);
    }

    /// <summary>
    /// The statistics count the chunks a dispatcher ran: after a body's exception cancels the region, the chunks it
    /// skips are not counted (one dispatcher, ten chunks of one iteration, the first throws: one chunk ran).
    /// </summary>
    [Fact]
    public void ChunksSkippedAfterAnExceptionAreNotCountedAsRun()
    {
        using var domain = booted.NewDomain(1);
        string message = BootedSystem.Wait(domain.RunOnMasterAsync(() =>
        {
            try { ForkJoin.For(0, 10, new ThrowsAt { Bad = 0 }, LoopSchedule.Dynamic, chunkSize: 1); }
            catch (InvalidDataException e) { return e.Message; }
            return "the loop did not throw";
        }));
        Assert.StartsWith("index 0 failed", message);
        Assert.Equal(1, ForkJoin.StatisticsOf(domain.Dispatchers[0]).Chunks);
    }

    struct CountIterations : IReduceBody<long>
    {
        public long Execute(int lo, int hi, int worker) => (long)hi - lo;
        public long Combine(long left, long right) => left + right;
    }

    /// <summary>
    /// A dynamic loop whose chunk grid holds more chunks than an int counts (2^31 chunks of one iteration) is refused
    /// before it runs, by For and by Reduce, instead of its chunk count wrapping negative and the loop returning
    /// without running any iteration.
    /// </summary>
    [Fact]
    public void DynamicLoopWithMoreChunksThanAnIntIsRefused()
    {
        using var domain = booted.NewDomain(1);
        var (forOutcome, reduceOutcome) = BootedSystem.Wait(domain.RunOnMasterAsync(() =>
        {
            string f, r;
            try
            {
                ForkJoin.For(int.MinValue, 0, new ThrowsAt { Bad = int.MinValue }, LoopSchedule.Dynamic, chunkSize: 1);
                f = "For returned without running index int.MinValue";
            }
            catch (InvalidDataException e) { f = "ran: " + e.Message; }
            catch (ArgumentOutOfRangeException e) { f = e.Message; }
            try { r = $"Reduce returned {ForkJoin.Reduce(int.MinValue, 0, 0L, new CountIterations(), LoopSchedule.Dynamic, chunkSize: 1)} iterations"; }
            catch (ArgumentOutOfRangeException e) { r = e.Message; }
            return (f, r);
        }));
        Assert.Contains("2147483648 chunks, more than 2147483647", forOutcome);
        Assert.Contains("2147483648 chunks, more than 2147483647", reduceOutcome);
    }

    /// <summary>
    /// A static loop over fewer iterations than the domain has dispatchers forks only the workers whose block holds
    /// iterations: a worker with an empty block gets no fork message, so it runs no chunk and sends no completion.
    /// </summary>
    [Fact]
    public void StaticLoopForksOnlyWorkersWhoseBlockHoldsIterations()
    {
        Assert.SkipWhen(booted.Cores < 2, "needs two cores; this process may use one");
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var count = new long[1];
        long sum = BootedSystem.Wait(domain.RunOnMasterAsync(() =>
        {
            ForkJoin.For(0, 1, new CountWorkers { Count = count });
            return ForkJoin.Reduce(0, 1, 0L, new CountIterations());
        }));
        Assert.Equal(1, count[0]);
        Assert.Equal(1, sum);
        Assert.Equal(2, ForkJoin.StatisticsOf(domain.Dispatchers[0]).Chunks);
        for (int w = 1; w < k; w++) Assert.Equal(0, ForkJoin.StatisticsOf(domain.Dispatchers[w]).Chunks);
    }

    /// <summary>
    /// A static loop over fewer iterations than workers, forked by a master whose own block is empty (a thread on the
    /// last dispatcher, one iteration): the master runs no chunk and its statistics count none; the one chunk that
    /// holds the iteration is counted once, by dispatcher 0, which ran it.
    /// </summary>
    [Fact]
    public void AMasterWhoseStaticBlockIsEmptyCountsNoChunk()
    {
        Assert.SkipWhen(booted.Cores < 2, "needs two cores; this process may use one");
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var count = new long[1];
        BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            await UThread.SpawnOn(k - 1, () =>
            {
                ForkJoin.For(0, 1, new CountWorkers { Count = count });
                return UTask.CompletedTask;
            }).Join();
            return 0;
        }));
        Assert.Equal(1, count[0]);
        Assert.Equal(1, ForkJoin.StatisticsOf(domain.Dispatchers[k - 1]).Regions);
        Assert.Equal(0, ForkJoin.StatisticsOf(domain.Dispatchers[k - 1]).Chunks);
        Assert.Equal(1, ForkJoin.StatisticsOf(domain.Dispatchers[0]).Chunks);
    }

    /// <summary>
    /// ForAsync parks the calling user thread for the join, so another thread of the master dispatcher runs
    /// meanwhile: here the worker's chunk can only finish after that thread has run. The master thread resumes on
    /// its own core.
    /// </summary>
    [Fact]
    public void ForAsyncLetsOtherThreadsOfTheMasterRunDuringTheJoin()
    {
        Assert.SkipWhen(booted.Cores < 2, "needs two cores; this process may use one");
        using var domain = booted.NewDomain();
        var d0 = domain.Dispatchers[0];
        var flag = new int[1];
        var (timedOut, onCore, saw) = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            var setter = UThread.Spawn(() => { Volatile.Write(ref flag[0], 1); return UTask.CompletedTask; });
            var waits = new WaitForFlag { Flag = flag, TimedOut = new int[1], Saw = new int[1] };
            await ForkJoin.ForAsync(0, ForkJoin.Workers, waits);
            bool here = Where.OnCoreOf(d0);
            await setter.Join();
            return (waits.TimedOut[0], here, waits.Saw[0]);
        }));
        Assert.Equal(0, timedOut);
        Assert.True(saw >= 1, "no worker besides the master ran its chunk and saw the flag set during the join");
        Assert.True(onCore);
    }

    struct WaitForFlag : IForBody
    {
        public int[] Flag, TimedOut, Saw;
        public void Execute(int lo, int hi, int worker)
        {
            if (worker == 0) return;   // the master's share: nothing, so it parks at once
            long end = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
            while (Volatile.Read(ref Flag[0]) == 0)
                if (Stopwatch.GetTimestamp() > end) { Interlocked.Increment(ref TimedOut[0]); return; }
            Interlocked.Increment(ref Saw[0]);
        }
    }

    struct CountWorkers : IForBody
    {
        public long[] Count;
        public void Execute(int lo, int hi, int worker) => Interlocked.Add(ref Count[0], hi - lo);
    }

    /// <summary>Thousands of back-to-back regions (both schedules, master on dispatcher 0 and on the last one): none is lost or mixed up.</summary>
    [Fact]
    public void ManyBackToBackRegionsAllComplete()
    {
        const int Regions = 20_000;
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var count = new long[1];
        long total = BootedSystem.Wait(domain.RunMainAsync(async () =>
        {
            for (int r = 0; r < Regions; r++)
                ForkJoin.For(0, 3 * k, new CountWorkers { Count = count }, r % 3 == 0 ? LoopSchedule.Dynamic : LoopSchedule.Static);
            // A second master: a thread on the last dispatcher forks its own regions.
            var other = UThread.SpawnOn(k - 1, () =>
            {
                for (int r = 0; r < 1000; r++) ForkJoin.For(0, 3 * k, new CountWorkers { Count = count });
                return UTask.CompletedTask;
            });
            await other.Join();
            return Volatile.Read(ref count[0]);
        }));
        Assert.Equal((Regions + 1000L) * 3 * k, total);
    }

    /// <summary>
    /// Runs <paramref name="main"/> as the main thread of a domain over two cores of a system of its own until it has
    /// counted 100 regions, then tears the domain down (default stop timeout). Returns how the teardown and the main thread
    /// ended. The system is shut down only when the teardown completed (otherwise a core may be stuck for good).
    /// </summary>
    static (Exception? TearDown, Exception? Main) TearDownWhileRegionsRun(Func<long[], UTask> main)
    {
        var cpus = CoreAffinity.AllowedCpus();
        Assert.SkipWhen(cpus.Count < 2, "needs two cores; this process may use one");
        var system = MultikernelSystem.Boot(new MultikernelOptions { Cores = [cpus[0], cpus[1]], WaitPolicy = new WaitPolicy(20_000) });
        bool coresFree = true;
        try
        {
            var domain = BootedSystem.Wait(Domain.CreateAsync(system));
            var regions = new long[1];
            var running = domain.RunMainAsync(() => main(regions));
            long deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
            while (Volatile.Read(ref regions[0]) < 100 && !running.IsCompleted)
            {
                if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException("the main thread did not run 100 regions within 10 s");
                Thread.Sleep(1);
            }
            Exception? tearDown = null, mainOutcome = null;
            try { BootedSystem.Wait(domain.DisposeAsync().AsTask(), 30); }
            catch (Exception e) { tearDown = e; coresFree = false; }
            try { BootedSystem.Wait(running, 10); }
            catch (Exception e) { mainOutcome = e; }
            return (tearDown, mainOutcome);
        }
        finally
        {
            if (coresFree) system.Dispose();
        }
    }

    /// <summary>
    /// Teardown while the main thread runs dynamic regions with an asynchronous join: the worker leaves its core after
    /// its share, and the master, out of chunks in its next region, asks it for some. The steal round stops waiting
    /// once the domain is being torn down, so every dispatcher leaves and the main thread fails, instead of the
    /// master's core waiting for ever for a reply from a dispatcher that has left.
    /// </summary>
    [Fact]
    public void TearDownWhileAnAsyncMainRunsDynamicRegionsCompletes()
    {
        var (tearDown, main) = TearDownWhileRegionsRun(async regions =>
        {
            var count = new long[1];
            while (true)
            {
                await ForkJoin.ForAsync(0, 64, new CountWorkers { Count = count }, LoopSchedule.Dynamic, 1);
                Interlocked.Increment(ref regions[0]);
            }
        });
        Assert.True(tearDown == null, $"the teardown failed: {tearDown?.GetType().Name}: {tearDown?.Message}");
        var e = Assert.IsType<ObjectDisposedException>(main);
        Assert.Contains("torn down", e.Message);
    }

    /// <summary>
    /// Teardown while the main thread runs synchronous regions (yielding between them, so that the home core's monitor
    /// can take the domain out of its tables): the worker leaves its core, and the master's next join would wait for
    /// ever for its completion. The join stops waiting once the domain is being torn down and the loop throws, so
    /// every dispatcher leaves and the main thread fails.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TearDownWhileAMainRunsSynchronousRegionsCompletes(bool reduce)
    {
        var (tearDown, main) = TearDownWhileRegionsRun(async regions =>
        {
            var count = new long[1];
            while (true)
            {
                if (reduce) ForkJoin.Reduce(0, 64, 0L, new CountIterations());
                else ForkJoin.For(0, 64, new CountWorkers { Count = count });
                Interlocked.Increment(ref regions[0]);
                await UThread.Yield();
            }
        });
        Assert.True(tearDown == null, $"the teardown failed: {tearDown?.GetType().Name}: {tearDown?.Message}");
        var e = Assert.IsType<ObjectDisposedException>(main);
        Assert.Contains("torn down", e.Message);
    }

    struct Nothing : IForBody
    {
        public void Execute(int lo, int hi, int worker) { }
    }

    struct AllocationProbe : IForBody
    {
        public long[] Bytes;
        public void Execute(int lo, int hi, int worker) => Bytes[worker] = GC.GetAllocatedBytesForCurrentThread();
    }

    /// <summary>Once warm, fork-join regions allocate nothing, on the master or on any worker.</summary>
    [Fact]
    public void WarmRegionsAllocateNothing()
    {
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var before = new long[k];
        var after = new long[k];
        long masterBytes = BootedSystem.Wait(domain.RunOnMasterAsync(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                ForkJoin.For(0, k, new Nothing());
                ForkJoin.For(0, 64, new Nothing(), LoopSchedule.Dynamic, 1);
                ForkJoin.Reduce(0, 64, 0L, new SquaresMod());
                ForkJoin.For(0, k, new AllocationProbe { Bytes = before });
            }
            ForkJoin.For(0, k, new AllocationProbe { Bytes = before });
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 2000; i++)
            {
                ForkJoin.For(0, k, new Nothing());
                ForkJoin.For(0, 64, new Nothing(), LoopSchedule.Dynamic, 1);
                ForkJoin.Reduce(0, 64, 0L, new SquaresMod());
            }
            long used = GC.GetAllocatedBytesForCurrentThread() - start;
            ForkJoin.For(0, k, new AllocationProbe { Bytes = after });
            return used;
        }));
        Assert.Equal(0, masterBytes);
        for (int w = 1; w < k; w++) Assert.Equal(0, after[w] - before[w]);
    }

    /// <summary>
    /// Rough fork-join overhead on this machine, printed (timings are not asserted; the machine is small and shared,
    /// so the median and 90th percentile of per-region times say more than the mean, which preemption by other
    /// processes dominates): an empty static region over all cores, a dynamic one, and the host baselines the NAS
    /// comparison uses, Parallel.For and pinned threads meeting at a System.Threading.Barrier. Asserts only that
    /// every region ran.
    /// </summary>
    [Fact]
    public void RegionOverheadIsMeasuredAgainstHostBaselines()
    {
        const int Warm = 2000, Regions = 20_000;
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var count = new long[1];
        var staticTimes = new double[Regions];
        var dynamicTimes = new double[Regions];
        BootedSystem.Wait(domain.RunOnMasterAsync(() =>
        {
            var body = new CountWorkers { Count = count };
            for (int i = 0; i < Warm; i++) ForkJoin.For(0, k, body);
            for (int i = 0; i < Regions; i++)
            {
                ulong t0 = CycleClock.Now();
                ForkJoin.For(0, k, body);
                staticTimes[i] = CycleClock.ToNanoseconds(CycleClock.Now() - t0);
            }
            for (int i = 0; i < Warm; i++) ForkJoin.For(0, 8 * k, body, LoopSchedule.Dynamic, 1);
            for (int i = 0; i < Regions; i++)
            {
                ulong t0 = CycleClock.Now();
                ForkJoin.For(0, 8 * k, body, LoopSchedule.Dynamic, 1);
                dynamicTimes[i] = CycleClock.ToNanoseconds(CycleClock.Now() - t0);
            }
            return 0;
        }));
        Assert.Equal((long)(Warm + Regions) * k + (long)(Warm + Regions) * 8 * k, count[0]);

        long hostCount = 0;
        var parallelForTimes = new double[Regions];
        var options = new ParallelOptions { MaxDegreeOfParallelism = k };
        for (int i = 0; i < Warm + Regions; i++)
        {
            ulong t0 = CycleClock.Now();
            Parallel.For(0, k, options, _ => Interlocked.Increment(ref hostCount));
            if (i >= Warm) parallelForTimes[i - Warm] = CycleClock.ToNanoseconds(CycleClock.Now() - t0);
        }
        Assert.Equal((long)(Warm + Regions) * k, hostCount);

        var barrierTimes = PinnedThreadsWithBarrier(k, Warm, Regions, out long barrierCount);
        Assert.Equal((long)(Warm + Regions) * k, barrierCount);

        output.WriteLine($"fork-join region overhead, empty body, {k} cores, {Regions} regions: median / p90 / mean (us)");
        output.WriteLine($"  multikernel static          : {Summary(staticTimes)}");
        output.WriteLine($"  multikernel dynamic (8/core): {Summary(dynamicTimes)}");
        output.WriteLine($"  host Parallel.For           : {Summary(parallelForTimes)}");
        output.WriteLine($"  host pinned + Barrier x2    : {Summary(barrierTimes)}");
    }

    struct AddOne : IForBody
    {
        public double[] X, Y;
        public int Workers;
        public void Execute(int lo, int hi, int worker)
        {
            var x = X; var y = Y;
            for (int i = lo; i < hi; i++) y[i] += x[i];
        }
    }

    /// <summary>
    /// A memory-bound loop (y += x over 2^20 doubles, static blocks), timed per region on the multikernel and on the
    /// host baselines, printed (not asserted). Asserts that every element was updated once per region run.
    /// </summary>
    [Fact]
    public void StreamingLoopTimeIsMeasuredAgainstHostBaselines()
    {
        const int N = 1 << 20, Warm = 20, Regions = 200;
        using var domain = booted.NewDomain();
        int k = domain.DispatcherCount;
        var x = Enumerable.Repeat(1.0, N).ToArray();
        var y = new double[N];
        var body = new AddOne { X = x, Y = y, Workers = k };
        var mk = new double[Regions];
        BootedSystem.Wait(domain.RunOnMasterAsync(() =>
        {
            for (int i = 0; i < Warm + Regions; i++)
            {
                ulong t0 = CycleClock.Now();
                ForkJoin.For(0, N, body);
                if (i >= Warm) mk[i - Warm] = CycleClock.ToNanoseconds(CycleClock.Now() - t0);
            }
            return 0;
        }));

        var pf = new double[Regions];
        var options = new ParallelOptions { MaxDegreeOfParallelism = k };
        for (int i = 0; i < Warm + Regions; i++)
        {
            ulong t0 = CycleClock.Now();
            Parallel.For(0, k, options, w =>
            {
                var (lo, hi) = BlockPartition.Block(0, N, k, w);
                body.Execute(lo, hi, w);
            });
            if (i >= Warm) pf[i - Warm] = CycleClock.ToNanoseconds(CycleClock.Now() - t0);
        }

        var serial = new double[Regions];
        for (int i = 0; i < Warm + Regions; i++)
        {
            ulong t0 = CycleClock.Now();
            body.Execute(0, N, 0);
            if (i >= Warm) serial[i - Warm] = CycleClock.ToNanoseconds(CycleClock.Now() - t0);
        }

        double expected = 3.0 * (Warm + Regions);
        Assert.All(y, v => Assert.Equal(expected, v));
        output.WriteLine($"y += x over 2^20 doubles, {k} cores, {Regions} regions: median / p90 / mean (us)");
        output.WriteLine($"  multikernel static : {Summary(mk)}");
        output.WriteLine($"  host Parallel.For  : {Summary(pf)}");
        output.WriteLine($"  serial, 1 core     : {Summary(serial)}");
    }

    static string Summary(double[] ns)
    {
        var sorted = ns.Order().ToArray();
        return $"{sorted[sorted.Length / 2] / 1000,6:F2} / {sorted[sorted.Length * 9 / 10] / 1000,6:F2} / {ns.Average() / 1000,6:F2}";
    }

    /// <summary>The host baseline: k pinned threads; each region is a fork barrier, the body, a join barrier.</summary>
    static double[] PinnedThreadsWithBarrier(int k, int warm, int regions, out long count)
    {
        var cpus = CoreAffinity.AllowedCpus();
        using var fork = new System.Threading.Barrier(k);
        using var join = new System.Threading.Barrier(k);
        long c = 0;
        int total = warm + regions;
        var times = new double[regions];
        var threads = Enumerable.Range(0, k).Select(w => new Thread(() =>
        {
            CoreAffinity.PinCurrentThread(cpus[w % cpus.Count]);
            for (int i = 0; i < total; i++)
            {
                ulong t0 = CycleClock.Now();
                fork.SignalAndWait();
                Interlocked.Increment(ref c);
                join.SignalAndWait();
                if (w == 0 && i >= warm) times[i - warm] = CycleClock.ToNanoseconds(CycleClock.Now() - t0);
            }
        })).ToList();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        count = c;
        return times;
    }
}

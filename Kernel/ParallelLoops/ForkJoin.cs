using System.Runtime.CompilerServices;
using Multikernel.Domains;
using Multikernel.Threads;

namespace Multikernel.ParallelLoops;

/// <summary>
/// OpenMP-style <c>parallel for</c> across the dispatchers of the current domain, called on one of them (the
/// master; usually dispatcher 0, where the domain's main thread runs).
/// <para>Synchronous form (<see cref="For{TBody}"/>, <see cref="Reduce{TBody, TAcc}"/>), for compute code that is
/// not written as user-thread code: the master sends a fork message carrying chunk indices to every other
/// dispatcher, runs its own share, then drives its own dispatcher's waitset (nested event dispatch, no OS thread
/// blocking, no host threads) until every worker's completion message has arrived. Other user threads of the master
/// dispatcher do not run meanwhile (as in OpenMP, the master is busy in the region).</para>
/// <para>Asynchronous form (<see cref="ForAsync{TBody}"/>): the same, but the calling user thread parks for the join,
/// so the master dispatcher's other threads keep running.</para>
/// <para>Teardown: a region still running when its domain is torn down does not run to the end (a dispatcher may
/// have left its core): its master's join stops waiting and the loop throws <see cref="ObjectDisposedException"/>.</para>
/// <para>The hot path allocates nothing once warm: job descriptors are pooled per body type, bodies are generic
/// structs (no delegate, no boxing), and fork, steal and completion messages carry indices only.</para>
/// <para>Layering: fork-join is a layer above the domain (Barrelfish keeps OpenMP in <c>lib/bomp</c>, above its
/// threads package): it attaches a <see cref="ForkJoinLayer"/> to the domain on first use, which owns the
/// <see cref="ForkJoinMessages"/> on the domain's bindings; the threads package below knows nothing of it.</para>
/// </summary>
public static class ForkJoin
{
    /// <summary>Dispatchers of the current domain, i.e. the workers a loop is spread over.</summary>
    public static int Workers => Current.Domain.DispatcherCount;

    /// <summary>True when the caller runs on a domain dispatcher, i.e. may start fork-join loops.</summary>
    public static bool IsOnDomainDispatcher => DomainDispatcher.Current != null;

    /// <summary>Index, within its domain, of the dispatcher running the caller.</summary>
    public static int WorkerIndex => Current.Index;

    static DomainDispatcher Current => DomainDispatcher.Current ?? throw new InvalidOperationException(
        "fork-join loops are started on a domain dispatcher: from the domain's main thread (Domain.RunMainAsync / RunOnMasterAsync) or another user thread");

    /// <summary>Runs <paramref name="body"/> over [from, to) on every dispatcher of the domain and returns when all iterations have run.</summary>
    /// <param name="chunkSize">Dynamic schedule only: iterations per chunk; 0 means n / (8 x workers), at least 1. The
    /// range may hold at most <see cref="int.MaxValue"/> chunks (chunk indices are ints).</param>
    public static void For<TBody>(int from, int to, in TBody body, LoopSchedule schedule = LoopSchedule.Static, int chunkSize = 0)
        where TBody : struct, IForBody
    {
        Validate(from, to, schedule, chunkSize);
        if (to <= from) return;
        var d = Current;
        var job = ForJob<TBody>.Rent(body);
        job.Init(from, to, d.Domain.DispatcherCount, schedule, chunkSize);
        RunSync(EngineOf(d), job);
    }

    /// <summary>
    /// Runs <paramref name="body"/> over [from, to) on every dispatcher and returns <paramref name="seed"/> combined
    /// with the partial results of all chunks, folded in chunk order (deterministic for a given range, domain size,
    /// schedule and chunk size).
    /// </summary>
    public static TAcc Reduce<TBody, TAcc>(int from, int to, TAcc seed, in TBody body, LoopSchedule schedule = LoopSchedule.Static, int chunkSize = 0)
        where TBody : struct, IReduceBody<TAcc>
    {
        Validate(from, to, schedule, chunkSize);
        if (to <= from) return seed;
        var d = Current;
        var job = ReduceJob<TBody, TAcc>.Rent(body);
        job.Init(from, to, d.Domain.DispatcherCount, schedule, chunkSize);
        job.PreparePartials();
        var engine = EngineOf(d);
        try
        {
            engine.Fork(job);
            engine.JoinSync(job);
            job.ThrowIfFaulted();
            return job.Fold(seed);
        }
        finally { job.Recycle(); }
    }

    /// <summary>
    /// From a user thread: forks the loop and runs the master's share now; awaiting the result parks the thread
    /// until every worker has finished (the dispatcher's other user threads run meanwhile). Await it at once.
    /// </summary>
    public static JoinAwaitable ForAsync<TBody>(int from, int to, in TBody body, LoopSchedule schedule = LoopSchedule.Static, int chunkSize = 0)
        where TBody : struct, IForBody
    {
        Validate(from, to, schedule, chunkSize);
        if (to <= from) return default;
        var d = Current;
        UThread.CurrentForWait();
        var job = ForJob<TBody>.Rent(body);
        job.Init(from, to, d.Domain.DispatcherCount, schedule, chunkSize);
        var engine = EngineOf(d);
        try { engine.Fork(job); }
        catch
        {
            engine.JoinSync(job);
            job.Recycle();
            throw;
        }
        return new JoinAwaitable(engine, job);
    }

    /// <summary>Fork-join counts of <paramref name="dispatcher"/> (all zero if it never took part in a region).</summary>
    public static ForkJoinStatistics StatisticsOf(DomainDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        return ForkJoinLayer.Of(dispatcher.Domain).PeekEngine(dispatcher.Index)?.Statistics ?? default;
    }

    static ForkJoinEngine EngineOf(DomainDispatcher d) => ForkJoinLayer.Of(d.Domain).EngineOf(d);

    static void RunSync(ForkJoinEngine engine, ForkJoinJob job)
    {
        try
        {
            engine.Fork(job);
            engine.JoinSync(job);
            job.ThrowIfFaulted();
        }
        finally { job.Recycle(); }
    }

    static void Validate(int from, int to, LoopSchedule schedule, int chunkSize)
    {
        if (schedule is not (LoopSchedule.Static or LoopSchedule.Dynamic))
            throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "schedule must be Static or Dynamic");
        if (chunkSize < 0) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunk size must be 0 (default) or positive");
        if (chunkSize > 0 && schedule == LoopSchedule.Static)
            throw new ArgumentException("a chunk size applies to the dynamic schedule; the static schedule gives each dispatcher one block", nameof(chunkSize));
        // Chunk indices are ints (the job's grid, the fork and steal messages): a grid of more chunks would wrap.
        long n = (long)to - from;
        if (chunkSize > 0 && n > 0 && (n + chunkSize - 1) / chunkSize > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize,
                $"[{from}, {to}) in chunks of {chunkSize} makes {(n + chunkSize - 1) / chunkSize} chunks, more than {int.MaxValue}; use a larger chunk size");
    }

    /// <summary>The join of <see cref="ForAsync{TBody}"/>: completes when every worker's completion has arrived.</summary>
    public readonly struct JoinAwaitable : ICriticalNotifyCompletion, IUAwaiter
    {
        readonly ForkJoinEngine? _master;
        readonly ForkJoinJob? _job;

        internal JoinAwaitable(ForkJoinEngine master, ForkJoinJob job)
        {
            _master = master;
            _job = job;
        }

        public JoinAwaitable GetAwaiter() => this;

        /// <summary>True when all workers have finished; otherwise registers the current thread to be woken by the last completion.</summary>
        public bool IsCompleted
        {
            get
            {
                if (_job == null || _job.Pending == 0) return true;
                _job.Waiter = UThread.CurrentForWait();
                return false;
            }
        }

        public void GetResult()
        {
            if (_job == null) return;
            _master!.Unpost(_job.Slot);
            _master.Dispatcher.KeepHot();
            try { _job.ThrowIfFaulted(); }
            finally { _job.Recycle(); }
        }

        public void OnCompleted(Action continuation) => Scheduler.CurrentOrThrow.Park(continuation);
        public void UnsafeOnCompleted(Action continuation) => Scheduler.CurrentOrThrow.Park(continuation);
    }
}

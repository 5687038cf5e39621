using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Multikernel.Threads;

namespace Multikernel.ParallelLoops;

/// <summary>
/// The descriptor of one fork-join region: the loop range cut into a grid of chunks, and the body. It lives in the
/// domain's shared address space (application data, like the arrays the loop works on): the master publishes it in
/// its job table before sending the fork messages, and workers read it after receiving one. Which chunks a worker
/// runs, and the completions, travel by URPC message.
/// <para>Invariant: the master changes the descriptor only while no worker holds it (before the forks, after the
/// last completion); <see cref="Pending"/> and <see cref="Waiter"/> are the master's alone.</para>
/// </summary>
abstract class ForkJoinJob
{
    internal int From, To, Workers, Chunks, ChunkSize;
    internal bool Dynamic;
    internal int Slot;
    internal uint Seq;
    /// <summary>Master only: workers whose completion has not arrived.</summary>
    internal int Pending;
    /// <summary>Master only: the user thread parked until <see cref="Pending"/> reaches zero (asynchronous join).</summary>
    internal UThread? Waiter;
    ExceptionDispatchInfo? _fault;
    volatile bool _cancelled;

    /// <summary>Sets the range and cuts it into chunks: one block per worker (static) or chunks of <paramref name="chunkSize"/> (dynamic; 0 = n / (8 x workers)).</summary>
    internal void Init(int from, int to, int workers, LoopSchedule schedule, int chunkSize)
    {
        From = from;
        To = to;
        Workers = workers;
        Dynamic = schedule == LoopSchedule.Dynamic;
        _fault = null;
        _cancelled = false;
        Pending = 0;
        Waiter = null;
        if (!Dynamic)
        {
            Chunks = workers;
            ChunkSize = 0;
        }
        else
        {
            long n = (long)to - from;
            long size = chunkSize > 0 ? chunkSize : Math.Max(1, n / (8L * workers));
            ChunkSize = (int)Math.Min(size, n);
            Chunks = (int)((n + ChunkSize - 1) / ChunkSize);
        }
    }

    /// <summary>The chunks dispatcher <paramref name="worker"/> starts with.</summary>
    internal (int First, int End) Share(int worker) =>
        Dynamic ? BlockPartition.Block(0, Chunks, Workers, worker) : (worker, worker + 1);

    /// <summary>
    /// True when dispatcher <paramref name="worker"/> has no part in the region: its static block holds no iteration
    /// (fewer iterations than workers). Under the dynamic schedule every worker takes part: an empty share can still steal.
    /// </summary>
    internal bool HasNothingFor(int worker)
    {
        if (Dynamic) return false;
        var (lo, hi) = ChunkRange(worker);
        return lo >= hi;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal (int Lo, int Hi) ChunkRange(int chunk)
    {
        if (ChunkSize == 0) return BlockPartition.Block(From, To, Chunks, chunk);
        long lo = From + (long)chunk * ChunkSize;
        return ((int)lo, (int)Math.Min(lo + ChunkSize, To));
    }

    /// <summary>
    /// Runs one chunk on the calling dispatcher; an exception cancels the chunks not yet started and is kept for the
    /// master. Returns false when the chunk was skipped because the region is cancelled, true when it ran (or threw).
    /// </summary>
    internal bool RunChunkGuarded(int chunk, int worker)
    {
        if (_cancelled) return false;
        try { RunChunk(chunk, worker); }
        catch (Exception e) { Cancel(e); }
        return true;
    }

    /// <summary>
    /// Marks the region as not run to the end (a chunk threw, or some of its chunks will never run): the chunks not yet
    /// started are skipped, and the master's join rethrows <paramref name="reason"/> unless an earlier one came first.
    /// </summary>
    internal void Cancel(Exception reason)
    {
        Interlocked.CompareExchange(ref _fault, ExceptionDispatchInfo.Capture(reason), null);
        _cancelled = true;
    }

    protected abstract void RunChunk(int chunk, int worker);

    /// <summary>Master, after the join: rethrows the first exception a chunk threw.</summary>
    internal void ThrowIfFaulted() => Volatile.Read(ref _fault)?.Throw();

    /// <summary>
    /// Master, after the join: drops references to the body and returns the descriptor to its pool; after a join that
    /// stopped waiting at teardown (<see cref="Pending"/> &gt; 0) a worker may still run it, so it is left as it is.
    /// </summary>
    internal void Recycle()
    {
        if (Pending == 0) ReturnToPool();
    }

    protected abstract void ReturnToPool();
}

/// <summary>A loop whose body is a <typeparamref name="TBody"/>; pooled per body type and core thread.</summary>
sealed class ForJob<TBody> : ForkJoinJob where TBody : struct, IForBody
{
    [ThreadStatic] static ForJob<TBody>? t_free;
    TBody _body;

    internal static ForJob<TBody> Rent(in TBody body)
    {
        var j = t_free ?? new ForJob<TBody>();
        t_free = null;
        j._body = body;
        return j;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void RunChunk(int chunk, int worker)
    {
        var (lo, hi) = ChunkRange(chunk);
        if (lo >= hi) return;
        TBody body = _body;
        body.Execute(lo, hi, worker);
    }

    protected override void ReturnToPool()
    {
        _body = default;
        t_free ??= this;
    }
}

/// <summary>A reduction: each chunk's partial goes to its own slot; the master folds the slots in chunk order.</summary>
sealed class ReduceJob<TBody, TAcc> : ForkJoinJob where TBody : struct, IReduceBody<TAcc>
{
    [ThreadStatic] static ReduceJob<TBody, TAcc>? t_free;
    /// <summary>Static partials are spread a cache line apart (one write per worker); dynamic ones are dense.</summary>
    static readonly int s_staticStride = Math.Max(1, 128 / Math.Max(1, Unsafe.SizeOf<TAcc>()));
    TBody _body;
    TAcc[] _partials = [];
    int _stride;

    internal static ReduceJob<TBody, TAcc> Rent(in TBody body)
    {
        var j = t_free ?? new ReduceJob<TBody, TAcc>();
        t_free = null;
        j._body = body;
        return j;
    }

    /// <summary>After <see cref="ForkJoinJob.Init"/>: sizes the partial slots for the chunk grid.</summary>
    internal void PreparePartials()
    {
        _stride = Dynamic ? 1 : s_staticStride;
        long need = (long)Chunks * _stride;
        if (_partials.Length < need) _partials = new TAcc[need];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void RunChunk(int chunk, int worker)
    {
        var (lo, hi) = ChunkRange(chunk);
        if (lo >= hi) return;
        TBody body = _body;
        _partials[chunk * _stride] = body.Execute(lo, hi, worker);
    }

    /// <summary>Master, after the join: seed, then every non-empty chunk's partial, in chunk order.</summary>
    internal TAcc Fold(TAcc seed)
    {
        TBody body = _body;
        TAcc acc = seed;
        for (int c = 0; c < Chunks; c++)
        {
            var (lo, hi) = ChunkRange(c);
            if (lo < hi) acc = body.Combine(acc, _partials[c * _stride]);
        }
        return acc;
    }

    protected override void ReturnToPool()
    {
        _body = default;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<TAcc>()) Array.Clear(_partials);
        t_free ??= this;
    }
}

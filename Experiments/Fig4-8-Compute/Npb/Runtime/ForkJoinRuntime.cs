using Multikernel.ParallelLoops;
using System.Runtime.CompilerServices;

namespace Npb.Runtime;

/// <summary>
/// Implements the loop forms of <see cref="IParallelRuntime"/> on one primitive, <see cref="RunOnAllWorkers"/>,
/// which each concrete runtime provides (its way of forking and joining). The per-loop task objects are reused
/// (one per body type and calling thread), so a loop allocates nothing once warm.
/// </summary>
public abstract class ForkJoinRuntime : IParallelRuntime
{
    /// <summary>Doubles between two workers' partial sums: 128 bytes, so partials never share a cache line pair.</summary>
    const int PartialStride = 16;

    readonly double[] _partials;
    int _inRegion;

    protected ForkJoinRuntime(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Workers = workers;
        _partials = new double[workers * PartialStride];
    }

    public abstract string Name { get; }

    public int Workers { get; }

    /// <summary>
    /// Calls <c>task.Run(w)</c> once for every w in [0, Workers) and returns when all have returned; an exception
    /// in any worker is rethrown here after the others have finished.
    /// </summary>
    protected abstract void RunOnAllWorkers(WorkerTask task);

    public void For<TBody>(int from, int to, in TBody body, Schedule schedule = Schedule.Static) where TBody : struct, IRangeBody
    {
        if (to <= from) return;
        Enter();
        try
        {
            if (schedule == Schedule.Static)
            {
                var task = StaticTask<TBody>.Rent();
                task.Set(from, to, Workers, body);
                try { RunOnAllWorkers(task); } finally { task.Return(); }
            }
            else
            {
                var task = DynamicTask<TBody>.Rent();
                task.Set(from, to, Workers, body);
                try { RunOnAllWorkers(task); } finally { task.Return(); }
            }
        }
        finally { Exit(); }
    }

    public SumPair Sum<TBody>(int from, int to, in TBody body) where TBody : struct, IRangeSum
    {
        if (to <= from) return default;
        Enter();
        try
        {
            var task = SumTask<TBody>.Rent();
            task.Set(from, to, Workers, body, _partials);
            try { RunOnAllWorkers(task); } finally { task.Return(); }
            double a = 0, b = 0;
            for (int w = 0; w < Workers; w++)
            {
                a += _partials[w * PartialStride];
                b += _partials[w * PartialStride + 1];
            }
            return new SumPair(a, b);
        }
        finally { Exit(); }
    }

    void Enter()
    {
        if (Interlocked.Exchange(ref _inRegion, 1) != 0)
            throw new InvalidOperationException($"{Name} runtime: parallel loops do not nest and are started by one thread at a time");
    }

    void Exit() => Volatile.Write(ref _inRegion, 0);

    public abstract void Dispose();

    /// <summary>A static-schedule loop: worker w runs block w of <see cref="BlockPartition"/>.</summary>
    sealed class StaticTask<TBody> : WorkerTask where TBody : struct, IRangeBody
    {
        [ThreadStatic] static StaticTask<TBody>? t_free;
        int _from, _to, _parts;
        TBody _body;

        public static StaticTask<TBody> Rent()
        {
            var t = t_free ?? new StaticTask<TBody>();
            t_free = null;
            return t;
        }

        public void Set(int from, int to, int parts, in TBody body) { _from = from; _to = to; _parts = parts; _body = body; }

        public void Return() { _body = default; t_free = this; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int worker)
        {
            var (lo, hi) = BlockPartition.Block(_from, _to, _parts, worker);
            if (lo >= hi) return;
            TBody body = _body;
            body.Execute(lo, hi, worker);
        }
    }

    /// <summary>A dynamic-schedule loop: workers take chunks of about n / (8 x workers) iterations from a shared counter.</summary>
    sealed class DynamicTask<TBody> : WorkerTask where TBody : struct, IRangeBody
    {
        [ThreadStatic] static DynamicTask<TBody>? t_free;
        int _to, _chunk;
        PaddedCounter _next;
        TBody _body;

        public static DynamicTask<TBody> Rent()
        {
            var t = t_free ?? new DynamicTask<TBody>();
            t_free = null;
            return t;
        }

        public void Set(int from, int to, int workers, in TBody body)
        {
            _to = to;
            _chunk = (int)Math.Max(1, ((long)to - from) / (8L * workers));
            _next.Value = from;
            _body = body;
        }

        public void Return() { _body = default; t_free = this; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int worker)
        {
            TBody body = _body;
            int chunk = _chunk, to = _to;
            while (true)
            {
                long lo = Interlocked.Add(ref _next.Value, chunk) - chunk;
                if (lo >= to) return;
                body.Execute((int)lo, (int)Math.Min(lo + chunk, to), worker);
            }
        }
    }

    /// <summary>A static-schedule reduction: worker w writes block w's partial sums into its own padded slot.</summary>
    sealed class SumTask<TBody> : WorkerTask where TBody : struct, IRangeSum
    {
        [ThreadStatic] static SumTask<TBody>? t_free;
        int _from, _to, _parts;
        double[] _partials = [];
        TBody _body;

        public static SumTask<TBody> Rent()
        {
            var t = t_free ?? new SumTask<TBody>();
            t_free = null;
            return t;
        }

        public void Set(int from, int to, int parts, in TBody body, double[] partials)
        {
            _from = from; _to = to; _parts = parts; _body = body; _partials = partials;
        }

        public void Return() { _body = default; _partials = []; t_free = this; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int worker)
        {
            var (lo, hi) = BlockPartition.Block(_from, _to, _parts, worker);
            SumPair s = default;
            if (lo < hi)
            {
                TBody body = _body;
                s = body.Execute(lo, hi, worker);
            }
            _partials[worker * PartialStride] = s.First;
            _partials[worker * PartialStride + 1] = s.Second;
        }
    }

    /// <summary>A counter alone on its cache lines, so workers taking chunks do not contend with the task's other fields.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 192)]
    struct PaddedCounter
    {
        [System.Runtime.InteropServices.FieldOffset(64)] public long Value;
    }
}

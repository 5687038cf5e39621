using System.Runtime.ExceptionServices;
using Multikernel.Hardware;
using Npb.Runtime;

namespace Compute.Runtimes;

/// <summary>
/// Host baseline (b): one .NET thread per core, each pinned to its core from inside the thread, forking and joining
/// with a <see cref="System.Threading.Barrier"/>. The creating thread is worker 0 and is pinned to the first core
/// until <see cref="Dispose"/>; loops must be started from it. A loop is two barrier phases: start (the task is
/// published before it) and end (all workers have finished the task).
/// </summary>
public sealed class PinnedThreadsRuntime : ForkJoinRuntime
{
    readonly int[] _cores;
    readonly Thread[] _threads;
    readonly Barrier? _barrier;
    readonly Exception?[] _errors;
    readonly int _owner;
    WorkerTask? _task;
    volatile bool _stop;
    bool _disposed;

    public PinnedThreadsRuntime(IReadOnlyList<int> cores) : base(cores.Count)
    {
        _cores = cores.ToArray();
        _owner = Environment.CurrentManagedThreadId;
        _errors = new Exception?[Workers];
        CoreAffinity.PinCurrentThread(_cores[0]);
        _threads = new Thread[Workers - 1];
        if (Workers == 1) return;

        _barrier = new Barrier(Workers);
        var pinned = new CountdownEvent(Workers - 1);
        for (int w = 1; w < Workers; w++)
        {
            int worker = w;
            _threads[w - 1] = new Thread(() => WorkerLoop(worker, pinned))
            {
                IsBackground = true,
                Name = $"pinned-worker-{worker}-core-{_cores[worker]}",
            };
            _threads[w - 1].Start();
        }
        pinned.Wait();
        pinned.Dispose();
        var pinErrors = _errors.Where(e => e is not null).ToArray();
        if (pinErrors.Length > 0)
        {
            Dispose();
            throw new InvalidOperationException($"pinned runtime: could not pin its threads: {pinErrors[0]!.Message}", pinErrors[0]);
        }
    }

    public override string Name => "pinned";

    /// <summary>The cores the workers run on; worker w on Cores[w].</summary>
    public IReadOnlyList<int> Cores => _cores;

    void WorkerLoop(int worker, CountdownEvent pinned)
    {
        try { CoreAffinity.PinCurrentThread(_cores[worker]); }
        catch (Exception e) { _errors[worker] = e; }
        finally { pinned.Signal(); }

        while (true)
        {
            _barrier!.SignalAndWait();
            if (_stop) return;
            try { _task!.Run(worker); }
            catch (Exception e) { _errors[worker] = e; }
            _barrier.SignalAndWait();
        }
    }

    protected override void RunOnAllWorkers(WorkerTask task)
    {
        if (Environment.CurrentManagedThreadId != _owner)
            throw new InvalidOperationException($"pinned runtime: loops must be started by the thread that created the runtime (worker 0 on core {_cores[0]})");
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Workers == 1)
        {
            task.Run(0);
            return;
        }
        _task = task;
        _barrier!.SignalAndWait();
        try { task.Run(0); }
        catch (Exception e) { _errors[0] = e; }
        _barrier.SignalAndWait();
        _task = null;

        Exception? first = null;
        for (int w = 0; w < Workers; w++)
        {
            first ??= _errors[w];
            _errors[w] = null;
        }
        if (first is not null) ExceptionDispatchInfo.Throw(first);
    }

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_barrier is not null)
        {
            _stop = true;
            _barrier.SignalAndWait();
            foreach (var t in _threads) t.Join();
            _barrier.Dispose();
        }
        if (Environment.CurrentManagedThreadId == _owner) CoreAffinity.UnpinCurrentThread();
    }
}

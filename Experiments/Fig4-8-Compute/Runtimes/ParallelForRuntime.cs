using System.Runtime.ExceptionServices;
using Npb.Runtime;

namespace Compute.Runtimes;

/// <summary>
/// Host baseline (a): each loop is one <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/> over the
/// workers' blocks with MaxDegreeOfParallelism = workers, on the .NET thread pool. Threads are not pinned: the OS
/// places them on any allowed core, which is what a programmer gets from Parallel.For.
/// </summary>
public sealed class ParallelForRuntime : ForkJoinRuntime
{
    readonly ParallelOptions _options;
    readonly Action<int> _runWorker;
    WorkerTask? _task;

    public ParallelForRuntime(int workers) : base(workers)
    {
        _options = new ParallelOptions { MaxDegreeOfParallelism = workers };
        _runWorker = w => _task!.Run(w);
    }

    public override string Name => "host";

    protected override void RunOnAllWorkers(WorkerTask task)
    {
        _task = task;
        try
        {
            Parallel.For(0, Workers, _options, _runWorker);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Like the other runtimes: the first worker exception, not Parallel.For's wrapper.
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        finally
        {
            _task = null;
        }
    }

    public override void Dispose() { }
}

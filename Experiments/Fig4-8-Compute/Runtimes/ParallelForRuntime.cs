using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Npb.Runtime;
using Splash.Team;

namespace Compute.Runtimes;

/// <summary>
/// Host baseline (a), what a programmer gets without placing threads:
/// <para>NAS loops: each loop is one <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/> over the
/// workers' blocks with MaxDegreeOfParallelism = workers, on the .NET thread pool.</para>
/// <para>SPLASH teams: like the original pthreads programs (CREATE / WAIT_FOR_END), each team creates workers - 1 new
/// OS threads, runs worker 0 on the calling thread and joins them; Monitor locks and a blocking team barrier
/// (<see cref="HostTeamBarrier"/> with a short spin).</para>
/// Threads are not pinned: the OS places them on any allowed core.
/// </summary>
public sealed class ParallelForRuntime : ForkJoinRuntime, IComputeRuntime
{
    readonly ParallelOptions _options;
    readonly Action<int> _runWorker;
    readonly TeamAbort _abort = new();
    readonly HostPause _pause;
    WorkerTask? _task;

    public ParallelForRuntime(int workers) : base(workers)
    {
        _pause = new HostPause(_abort);
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

    public TimeSpan RunTeam(TeamProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        _abort.ThrowIfAborted();
        long start = Stopwatch.GetTimestamp();
        var errors = new Exception?[Workers];
        var threads = new Thread[Workers - 1];
        for (int w = 1; w < Workers; w++)
        {
            int worker = w;
            threads[w - 1] = new Thread(() => RunOne(program, worker, errors)) { IsBackground = true, Name = $"host-team-{worker}" };
            threads[w - 1].Start();
        }
        RunOne(program, 0, errors);
        foreach (var t in threads) t.Join();
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (HostTeam.RootCause(errors) is { } error) ExceptionDispatchInfo.Throw(error);
        return elapsed;
    }

    void RunOne(TeamProgram program, int worker, Exception?[] errors)
    {
        try { HostTeam.RunWorker(program, worker); }
        catch (Exception e)
        {
            errors[worker] = e;
            _abort.Abort();
        }
    }

    public TeamLock NewLock() => new HostTeamLock(_abort);

    public TeamBarrier NewBarrier() => new HostTeamBarrier(Workers, SpinThenBlockBarrier.ShortSpinBudget, _abort);

    public TeamWait Pause() => new(_pause);

    public override void Dispose() { }
}

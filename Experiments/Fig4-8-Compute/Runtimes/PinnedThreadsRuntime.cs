using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Multikernel.Hardware;
using Npb.Runtime;
using Splash.Team;

namespace Compute.Runtimes;

/// <summary>
/// Host baselines (b) and (c): one .NET thread per core, each pinned to its core from inside the thread. The creating
/// thread is worker 0 and is pinned to the first core until <see cref="Dispose"/>; loops and teams must be started
/// from it. A loop is two barrier phases: start (the task is published before it) and end (all workers have finished
/// the task). A team is one such task, each worker running its part of the program.
/// <para>The barrier's wait policy names the baseline: <see cref="WaitPolicy.Blocking"/> is "pinned"
/// (<see cref="System.Threading.Barrier"/> for loops, a team barrier with a short spin), <see cref="WaitPolicy.SpinThenBlock"/>
/// is "host-spin" (<see cref="SpinThenBlockBarrier"/> with a 2 ms spin, OpenMP's active wait, for both); team locks are
/// Monitor locks in both.</para>
/// </summary>
public sealed class PinnedThreadsRuntime : ForkJoinRuntime, IComputeRuntime
{
    readonly int[] _cores;
    readonly Thread[] _threads;
    readonly Barrier? _blocking;
    readonly SpinThenBlockBarrier? _spinning;
    readonly Exception?[] _errors;
    readonly int _owner;
    readonly TeamAbort _abort = new();
    readonly HostPause _pause;
    WorkerTask? _task;
    volatile bool _stop;
    bool _disposed;

    public PinnedThreadsRuntime(IReadOnlyList<int> cores, WaitPolicy policy = WaitPolicy.Blocking) : base(cores.Count)
    {
        if (!Enum.IsDefined(policy)) throw new ArgumentOutOfRangeException(nameof(policy), policy, null);
        Policy = policy;
        _pause = new HostPause(_abort);
        _cores = cores.ToArray();
        _owner = Environment.CurrentManagedThreadId;
        _errors = new Exception?[Workers];
        CoreAffinity.PinCurrentThread(_cores[0]);
        _threads = new Thread[Workers - 1];
        if (Workers == 1) return;

        if (policy == WaitPolicy.Blocking) _blocking = new Barrier(Workers);
        else _spinning = new SpinThenBlockBarrier(Workers);
        var pinned = new CountdownEvent(Workers - 1);
        for (int w = 1; w < Workers; w++)
        {
            int worker = w;
            _threads[w - 1] = new Thread(() => WorkerLoop(worker, pinned))
            {
                IsBackground = true,
                Name = $"{Name}-worker-{worker}-core-{_cores[worker]}",
            };
            _threads[w - 1].Start();
        }
        pinned.Wait();
        pinned.Dispose();
        var pinErrors = _errors.Where(e => e is not null).ToArray();
        if (pinErrors.Length > 0)
        {
            Dispose();
            throw new InvalidOperationException($"{Name} runtime: could not pin its threads: {pinErrors[0]!.Message}", pinErrors[0]);
        }
    }

    public override string Name => Policy == WaitPolicy.Blocking ? "pinned" : "host-spin";

    /// <summary>How the threads wait at the fork and join barriers and at team barriers.</summary>
    public WaitPolicy Policy { get; }

    /// <summary>The cores the workers run on; worker w on Cores[w].</summary>
    public IReadOnlyList<int> Cores => _cores;

    void Wait()
    {
        if (_spinning is not null) _spinning.SignalAndWait();
        else _blocking!.SignalAndWait();
    }

    void WorkerLoop(int worker, CountdownEvent pinned)
    {
        try { CoreAffinity.PinCurrentThread(_cores[worker]); }
        catch (Exception e) { _errors[worker] = e; }
        finally { pinned.Signal(); }

        while (true)
        {
            Wait();
            if (_stop) return;
            try { _task!.Run(worker); }
            catch (Exception e) { _errors[worker] = e; }
            Wait();
        }
    }

    protected override void RunOnAllWorkers(WorkerTask task)
    {
        if (Environment.CurrentManagedThreadId != _owner)
            throw new InvalidOperationException($"{Name} runtime: loops must be started by the thread that created the runtime (worker 0 on core {_cores[0]})");
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Workers == 1)
        {
            task.Run(0);
            return;
        }
        _task = task;
        Wait();
        try { task.Run(0); }
        catch (Exception e) { _errors[0] = e; }
        Wait();
        _task = null;

        Exception? first = null;
        for (int w = 0; w < Workers; w++)
        {
            first ??= _errors[w];
            _errors[w] = null;
        }
        if (first is not null) ExceptionDispatchInfo.Throw(first);
    }

    /// <summary>Runs the team as one task of the pinned threads; a failing worker aborts the others' waits.</summary>
    public TimeSpan RunTeam(TeamProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        _abort.ThrowIfAborted();
        var task = new TeamTask(program, _abort, Workers);
        long start = Stopwatch.GetTimestamp(); // on worker 0's thread (RunOnAllWorkers checks that the caller is it)
        try { RunOnAllWorkers(task); }
        catch (Exception) when (task.Errors.Any(e => e is not null))
        {
            // RunOnAllWorkers rethrows the lowest worker's exception; report the root cause instead of an abort it caused.
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (HostTeam.RootCause(task.Errors) is { } error) ExceptionDispatchInfo.Throw(error);
        return elapsed;
    }

    sealed class TeamTask(TeamProgram program, TeamAbort abort, int workers) : WorkerTask
    {
        public readonly Exception?[] Errors = new Exception?[workers];

        public override void Run(int worker)
        {
            try { HostTeam.RunWorker(program, worker); }
            catch (Exception e)
            {
                Errors[worker] = e;
                abort.Abort();
                throw;
            }
        }
    }

    public TeamLock NewLock() => new HostTeamLock(_abort);

    public TeamBarrier NewBarrier() => new HostTeamBarrier(Workers,
        Policy == WaitPolicy.Blocking ? SpinThenBlockBarrier.ShortSpinBudget : SpinThenBlockBarrier.DefaultSpinBudget, _abort);

    public TeamWait Pause() => new(_pause);

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (Workers > 1)
        {
            _stop = true;
            Wait();
            foreach (var t in _threads) t.Join();
            _blocking?.Dispose();
        }
        if (Environment.CurrentManagedThreadId == _owner) CoreAffinity.UnpinCurrentThread();
    }
}

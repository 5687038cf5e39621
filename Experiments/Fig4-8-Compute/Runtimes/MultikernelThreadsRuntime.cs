using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Multikernel;
using Multikernel.Domains;
using Multikernel.ParallelLoops;
using Multikernel.Threads;
using Npb.Runtime;
using Splash.Team;

namespace Compute.Runtimes;

/// <summary>
/// The system under test: the multikernel's user-level threads package. Boots a multikernel on the given cores
/// (a pinned CPU driver and a monitor per core) and creates a domain with one dispatcher per core.
/// <para>NAS loops: the benchmark runs as the domain's main thread on dispatcher 0 (<see cref="Execute{T}"/>); each
/// loop is a fork-join region of <see cref="ForkJoin"/>: the master sends a fork message by URPC to every other
/// dispatcher, runs its own block, and collects the completion messages by polling its waitset. Worker w is
/// dispatcher w.</para>
/// <para>SPLASH teams: worker w is a user thread on dispatcher w (worker 0 is the domain's main thread, the others
/// are created by URPC spawn messages), synchronising through the threads package's Mutex, CondVar and Barrier.</para>
/// </summary>
public sealed class MultikernelThreadsRuntime : ForkJoinRuntime, IHostedRuntime, IComputeRuntime, IThreadActivitySource
{
    readonly MultikernelSystem _system;
    readonly Domain _domain;
    readonly MkPause _pause = new();
    bool _broken;
    bool _disposed;

    /// <summary>
    /// How the runtime boots the multikernel (its cores are set per run) and makes its domain, named here for meta.json:
    /// the defaults, except that a dispatcher whose user threads wait on a primitive keeps its core polling for the
    /// domain's wait-policy budget (2 ms), as the host-spin baseline's threads spin at a barrier and as dispatchers poll
    /// after a fork-join region.
    /// </summary>
    public static readonly MultikernelOptions SystemOptions = new();
    public static readonly DomainOptions DomainOptions = new() { PollWhileThreadsWait = true };

    public MultikernelThreadsRuntime(IReadOnlyList<int> cores) : base(cores.Count)
    {
        _system = MultikernelSystem.Boot(SystemOptions with { Cores = cores.ToArray() });
        try { _domain = Domain.CreateAsync(_system, options: DomainOptions).GetAwaiter().GetResult(); }
        catch { _system.Dispose(); throw; }
    }

    public override string Name => "mk";

    /// <summary>Runs <paramref name="body"/> (a whole benchmark run) as the main thread on dispatcher 0 and waits for it.</summary>
    public T Execute<T>(Func<T> body) => _domain.RunOnMasterAsync(body).GetAwaiter().GetResult();

    /// <summary>
    /// A static loop over [0, Workers) puts index w on dispatcher w. Called on dispatcher 0 when the benchmark runs
    /// through <see cref="Execute{T}"/> (the sweep); a loop started from a host thread instead (e.g. a unit test of the
    /// loop contract) is handed to dispatcher 0 as a main thread of its own and waited for.
    /// </summary>
    protected override void RunOnAllWorkers(WorkerTask task)
    {
        if (!ForkJoin.IsOnDomainDispatcher)
        {
            _domain.RunOnMasterAsync(() => { RunOnAllWorkers(task); return 0; }).GetAwaiter().GetResult();
            return;
        }
        if (Workers == 1) task.Run(0);
        else ForkJoin.For(0, Workers, new RunTask(task));
    }

    readonly struct RunTask(WorkerTask task) : IForBody
    {
        public void Execute(int lo, int hi, int worker)
        {
            for (int w = lo; w < hi; w++) task.Run(w);
        }
    }

    /// <summary>
    /// Runs the team from the host: worker 0 as the domain's main thread on dispatcher 0, worker w as a user thread
    /// spawned on dispatcher w, and waits until all have finished or one has failed. The time is worker 0's, taken on
    /// dispatcher 0 from before it spawns the others until it has joined them; the host thread's hand-over to the
    /// domain and its wake-up at the end (on a machine whose every core may be polling) are not on the clock.
    /// </summary>
    public TimeSpan RunTeam(TeamProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken) throw new InvalidOperationException("mk runtime: an earlier team failed and left user threads parked; create a new runtime");
        var outcome = new TeamOutcome(Workers);
        var main = _domain.RunMainAsync(() => StartTeam(program, outcome));
        outcome.Wait();
        if (outcome.Error is { } error)
        {
            _broken = true;
            ExceptionDispatchInfo.Throw(error);
        }
        main.GetAwaiter().GetResult();
        return outcome.Elapsed;
    }

    async UTask StartTeam(TeamProgram program, TeamOutcome outcome)
    {
        long start = Stopwatch.GetTimestamp();
        var others = new UThread[Workers - 1];
        try
        {
            for (int w = 1; w < Workers; w++)
            {
                int worker = w;
                others[w - 1] = UThread.SpawnOn(worker, () => RunWorker(program, worker, outcome));
            }
        }
        catch (Exception e)
        {
            outcome.Fail(e);
            return;
        }
        await RunWorker(program, 0, outcome);
        foreach (var t in others) await t.Join(); // RunWorker catches what a worker throws, so a join does not rethrow
        outcome.Elapsed = Stopwatch.GetElapsedTime(start);
    }

    static async UTask RunWorker(TeamProgram program, int worker, TeamOutcome outcome)
    {
        try { await program.RunWorker(worker); }
        catch (Exception e)
        {
            outcome.Fail(e);
            return;
        }
        outcome.Finished();
    }

    /// <summary>
    /// The schedulers' counters summed over the domain's dispatchers. Each counter is written only by its dispatcher's
    /// core thread; a run's end reaches the host through <see cref="RunTeam"/>'s wait, so readings between runs are
    /// exact (64-bit reads, not torn on x64).
    /// </summary>
    public ThreadActivity ReadActivity()
    {
        long switches = 0, wakes = 0, lost = 0;
        foreach (var d in _domain.Dispatchers)
        {
            switches += d.Scheduler.Switches;
            wakes += d.Scheduler.RemoteWakes;
            lost += d.Scheduler.LostMutexRaces;
        }
        return new ThreadActivity(switches, wakes, lost);
    }

    public TeamLock NewLock() => new MkTeamLock();

    public TeamBarrier NewBarrier() => new MkTeamBarrier(Workers);

    public TeamWait Pause() => new(_pause);

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { _domain.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        finally { _system.Dispose(); }
    }
}

using Multikernel;
using Multikernel.Domains;
using Multikernel.ParallelLoops;
using Npb.Runtime;

namespace Compute.Runtimes;

/// <summary>
/// The system under test: the multikernel's user-level threads package. Boots a multikernel on the given cores
/// (a pinned CPU driver and a monitor per core), creates a domain with one dispatcher per core, and runs the
/// benchmark as the domain's main thread on dispatcher 0 (<see cref="Execute{T}"/>). Each loop is a fork-join
/// region of <see cref="ForkJoin"/>: the master sends a fork message by URPC to every other dispatcher, runs its
/// own block, and collects the completion messages by polling its waitset. Worker w is dispatcher w.
/// </summary>
public sealed class MultikernelThreadsRuntime : ForkJoinRuntime, IHostedRuntime
{
    readonly MultikernelSystem _system;
    readonly Domain _domain;
    bool _disposed;

    /// <summary>How the runtime boots the multikernel (its cores are set per run) and makes its domain: the defaults, named here for meta.json.</summary>
    public static readonly MultikernelOptions SystemOptions = new();
    public static readonly DomainOptions DomainOptions = new();

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

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { _domain.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        finally { _system.Dispose(); }
    }
}

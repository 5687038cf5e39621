namespace Compute.Runtimes;

/// <summary>
/// How a team run on the multikernel ended, as the host sees it: set when every worker has finished or as soon as one
/// has failed (the others may then stay parked on a primitive; the domain abandons them when it is torn down).
/// </summary>
sealed class TeamOutcome(int workers)
{
    readonly ManualResetEventSlim _done = new();
    int _running = workers;
    Exception? _error;

    public Exception? Error => Volatile.Read(ref _error);

    /// <summary>The team's time as worker 0 measured it (set by worker 0 after it joined the others, before its main thread returns).</summary>
    public TimeSpan Elapsed { get; set; }

    public void Finished()
    {
        if (Interlocked.Decrement(ref _running) == 0) _done.Set();
    }

    public void Fail(Exception e)
    {
        Interlocked.CompareExchange(ref _error, e, null);
        _done.Set();
    }

    public void Wait() => _done.Wait();
}

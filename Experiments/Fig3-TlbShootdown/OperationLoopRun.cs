namespace Fig3.TlbShootdown;

/// <summary>
/// Waits for a measurement that counts the operations it has completed: it times out only when the count stands still
/// for a whole stall interval, so a run may take as long as the machine needs (on an emulated machine an operation
/// costs milliseconds), while a lost message or a dead core still ends it, with an error naming what stalled.
/// </summary>
public static class ProgressWait
{
    /// <summary>
    /// Calls <paramref name="waitForDone"/> (wait up to the given time; true once the work has finished; it may throw,
    /// e.g. when a core process has died) until it returns true. Throws a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> when <paramref name="progress"/> has not changed over one whole wait of
    /// <paramref name="stall"/>; a run that keeps progressing is never stopped.
    /// </summary>
    public static void Until(Func<TimeSpan, bool> waitForDone, Func<long> progress, string what, TimeSpan stall)
    {
        ArgumentNullException.ThrowIfNull(waitForDone);
        ArgumentNullException.ThrowIfNull(progress);
        long last = progress();
        while (!waitForDone(stall))
        {
            long now = progress();
            if (now == last)
                throw new TimeoutException($"no progress for {stall.TotalSeconds:0.#} s (still at {now} operations) waiting for {what} " +
                                           "(a lost message would stall an agreement until its retransmission)");
            last = now;
        }
    }

    /// <summary><see cref="Until"/> for a task: its result once it has completed.</summary>
    public static T For<T>(Task<T> task, Func<long> progress, string what, TimeSpan stall)
    {
        ArgumentNullException.ThrowIfNull(task);
        Until(task.Wait, progress, what, stall);
        return task.Result;
    }

    /// <summary>
    /// Thread mode: creates a loop on the first core's monitor with <paramref name="create"/> (given the monitor and
    /// the completion callback the loop calls with its report), starts it there, and waits for its report while its
    /// operation count grows (<see cref="ShootdownWorkload.Stall"/>). Returns the report and the loop, for checks on
    /// its core afterwards.
    /// </summary>
    public static (TReport Report, TLoop Loop) RunLoop<TLoop, TReport>(MultikernelSystem mk, Func<MonitorDispatcher, Action<TReport>, TLoop> create, string what)
        where TLoop : class, IOperationLoop
    {
        TLoop? loop = null;
        var report = For(mk.CallOnAsync<TReport>(0, (m, done) =>
            {
                var l = create(m, done);
                Volatile.Write(ref loop, l);
                l.Begin();
            }),
            () => Volatile.Read(ref loop)?.OperationsCompleted ?? 0, what, ShootdownWorkload.Stall);
        return (report, Volatile.Read(ref loop)!);
    }
}

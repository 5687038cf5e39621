namespace Experiments.Common;

/// <summary>
/// Waits for a measurement that counts what it has completed (operations, calls, batches): it times out only when the
/// count stands still for a whole stall interval, so a run may take as long as the machine needs (on an emulated
/// machine an operation costs milliseconds, and the command lines allow runs of minutes), while a lost message or a
/// dead core still ends it, with an error naming what stalled.
/// </summary>
public static class ProgressWait
{
    /// <summary>
    /// Calls <paramref name="waitForDone"/> (wait up to the given time; true once the work has finished; it may throw,
    /// e.g. when a core process has died) until it returns true. Throws a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> when <paramref name="progress"/> (a count of <paramref name="counted"/>, read from another
    /// thread than the one that advances it: only a change is looked for) has not changed over one whole wait of
    /// <paramref name="stall"/>; <paramref name="hint"/>, when given, says what such a stall may mean. A run that keeps
    /// progressing is never stopped.
    /// </summary>
    public static void Until(Func<TimeSpan, bool> waitForDone, Func<long> progress, string what, TimeSpan stall, string counted = "operations", string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(waitForDone);
        ArgumentNullException.ThrowIfNull(progress);
        long last = progress();
        while (!waitForDone(stall))
        {
            long now = progress();
            if (now == last)
                throw new TimeoutException($"no progress for {stall.TotalSeconds:0.###} s (still at {now} {counted}) waiting for {what}"
                                           + (hint == null ? "" : $" ({hint})"));
            last = now;
        }
    }

    /// <summary><see cref="Until"/> for a task: its result once it has completed.</summary>
    public static T For<T>(Task<T> task, Func<long> progress, string what, TimeSpan stall, string counted = "operations", string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        Until(task.Wait, progress, what, stall, counted, hint);
        return task.Result;
    }
}

namespace Experiments.Common;

/// <summary>
/// Waits for a measurement that counts what it has completed (operations, calls, batches): it times out only when the
/// count stands still for a whole stall interval (longer where the steps so far were long: <see cref="StallWatch"/>), so a run may take as long as the machine needs (on an emulated
/// machine an operation costs milliseconds, and the command lines allow runs of minutes), while a lost message or a
/// dead core still ends it, with an error naming what stalled.
/// </summary>
public static class ProgressWait
{
    /// <summary>
    /// Calls <paramref name="waitForDone"/> (wait up to the given time; true once the work has finished; it may throw,
    /// e.g. when a core process has died) until it returns true. Throws a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> when <paramref name="progress"/> (a count of <paramref name="counted"/>) has not changed
    /// for the <see cref="StallWatch"/>'s allowance: <paramref name="stall"/>, or longer where the steps so far were
    /// long; <paramref name="hint"/>, when given, says what such a stall may mean. A run that keeps progressing is never
    /// stopped. <paramref name="clock"/>: the system's unless a test gives its own.
    /// </summary>
    public static void Until(Func<TimeSpan, bool> waitForDone, Func<long> progress, string what, TimeSpan stall, string counted = "operations", string? hint = null,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(waitForDone);
        var watch = new StallWatch(progress, stall, clock);
        while (!waitForDone(watch.NextWait))
        {
            if (watch.Stalled())
                throw new TimeoutException($"{watch.NoProgressText} (still at {watch.Count} {counted}) waiting for {what}"
                                           + (hint == null ? "" : $" ({hint})"));
        }
    }

    /// <summary><see cref="Until"/> for a task: its result once it has completed.</summary>
    public static T For<T>(Task<T> task, Func<long> progress, string what, TimeSpan stall, string counted = "operations", string? hint = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        Until(task.Wait, progress, what, stall, counted, hint, clock);
        return task.Result;
    }
}

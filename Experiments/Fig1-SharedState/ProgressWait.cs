namespace Fig1.SharedState;

/// <summary>
/// The host's wait for a measurement that runs elsewhere (a dispatcher's run upcall), bounded by a stall, not by the
/// length of the run: a run of any size (up to the command line's largest iterations and repetitions) is waited for
/// as long as its progress count keeps changing.
/// </summary>
public static class ProgressWait
{
    /// <summary>
    /// The result of <paramref name="task"/>; a <see cref="TimeoutException"/> naming <paramref name="what"/> when a whole
    /// <paramref name="stall"/> passes with the task unfinished and <paramref name="progress"/> unchanged. The count is
    /// read once per stall period, from another thread than the one that advances it: only a change is looked for.
    /// </summary>
    public static T Result<T>(Task<T> task, Func<long> progress, TimeSpan stall, string what)
    {
        long seen = progress();
        while (!task.Wait(stall))
        {
            long now = progress();
            if (now == seen) throw new TimeoutException($"{what}: no progress for {stall.TotalSeconds:0.###} s");
            seen = now;
        }
        return task.Result;
    }

    /// <summary>
    /// Waits with <paramref name="waitFor"/> (a wait such as MultikernelSystem.WaitFor, which throws a
    /// <see cref="TimeoutException"/> when its condition does not hold within the time it is given) until
    /// <paramref name="done"/> holds. Each wait is one <paramref name="stall"/> long; a timeout is passed on, naming
    /// <paramref name="what"/>, only when <paramref name="progress"/> did not change across it.
    /// </summary>
    public static void Until(Action<Func<bool>, TimeSpan, string> waitFor, Func<bool> done, Func<long> progress, TimeSpan stall, string what)
    {
        long seen = progress();
        while (true)
        {
            try
            {
                waitFor(done, stall, what);
                return;
            }
            catch (TimeoutException)
            {
                long now = progress();
                if (now == seen) throw new TimeoutException($"{what}: no progress for {stall.TotalSeconds:0.###} s");
                seen = now;
            }
        }
    }
}

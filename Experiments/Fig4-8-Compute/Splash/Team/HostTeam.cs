namespace Splash.Team;

/// <summary>What the host runtimes share: running one worker of a team on the current OS thread.</summary>
public static class HostTeam
{
    /// <summary>
    /// Runs worker <paramref name="worker"/> of <paramref name="program"/> on this OS thread. Host primitives complete
    /// every wait synchronously, so the worker's UTask has finished when its method returns; a worker that suspended
    /// awaited something other than a host team primitive, which is refused.
    /// </summary>
    public static void RunWorker(TeamProgram program, int worker)
    {
        var task = program.RunWorker(worker);
        if (!task.IsCompleted)
            throw new InvalidOperationException(
                $"worker {worker} suspended on a host thread: a team program awaits only its runtime's primitives, which never park a host thread");
        task.GetAwaiter().GetResult();
    }

    /// <summary>The exception to report for a failed team: the first one that is not an abort caused by another worker's failure.</summary>
    public static Exception? RootCause(IReadOnlyList<Exception?> errors)
    {
        Exception? first = null;
        foreach (var e in errors)
        {
            if (e is null) continue;
            if (e is not OperationCanceledException) return e;
            first ??= e;
        }
        return first;
    }
}

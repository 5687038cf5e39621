namespace Splash.Team;

/// <summary>
/// A team barrier for host threads that blocks: <see cref="System.Threading.Barrier"/> (a short spin, then the OS thread
/// sleeps on an event until the last worker arrives). A wait is a loop of timed waits: a timed-out
/// <see cref="System.Threading.Barrier.SignalAndWait(TimeSpan)"/> withdraws the arrival, so the loop can look at the
/// abort switch and arrive again; waiting with a cancellation token instead would allocate a registration per wait.
/// </summary>
public sealed class HostBlockingBarrier(int participants, TeamAbort abort) : TeamBarrier
{
    readonly Barrier _barrier = new(participants);

    protected internal override bool Begin()
    {
        while (!_barrier.SignalAndWait(TeamAbort.PollInterval)) abort.ThrowIfAborted();
        return true;
    }
}

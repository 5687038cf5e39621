namespace Splash.Team;

/// <summary>
/// A team barrier for host threads that blocks: <see cref="System.Threading.Barrier"/> (a short spin, then the OS thread
/// sleeps on an event until the last worker arrives).
/// </summary>
public sealed class HostBlockingBarrier(int participants, TeamAbort abort) : TeamBarrier
{
    readonly Barrier _barrier = new(participants);

    protected internal override bool Begin()
    {
        _barrier.SignalAndWait(abort.Token);
        return true;
    }
}

namespace Splash.Team;

/// <summary>
/// The pause of a host polling loop: a short spin (a few hundred cycles) on the current thread, then a look at the
/// team's abort switch, so a loop that polls for what a failed worker would have done ends with the team's abort
/// instead of spinning for ever (its lock acquisitions are uncontended and never look at the switch).
/// </summary>
public sealed class HostPause(TeamAbort abort) : TeamWaitable
{
    protected internal override bool Begin()
    {
        Thread.SpinWait(32);
        abort.ThrowIfAborted();
        return true;
    }
}

namespace Splash.Team;

/// <summary>The pause of a host polling loop: a short spin (a few hundred cycles) on the current thread.</summary>
public sealed class HostPause : TeamWaitable
{
    protected internal override bool Begin()
    {
        Thread.SpinWait(32);
        return true;
    }
}

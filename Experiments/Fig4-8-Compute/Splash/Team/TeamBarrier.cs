namespace Splash.Team;

/// <summary>A barrier for all the workers of a team: <see cref="SignalAndWaitAsync"/> returns once every worker has arrived.</summary>
public abstract class TeamBarrier : TeamWaitable
{
    public TeamWait SignalAndWaitAsync() => new(this);
}

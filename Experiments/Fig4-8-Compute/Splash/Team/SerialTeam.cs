namespace Splash.Team;

/// <summary>A team of one worker on the calling thread: the reference for what a team program computes.</summary>
public sealed class SerialTeam : ITeamRuntime
{
    readonly TeamAbort _abort;
    readonly HostPause _pause;

    public SerialTeam()
    {
        _abort = new TeamAbort();
        _pause = new HostPause(_abort);
    }

    public string Name => "serial";

    public int Workers => 1;

    public TimeSpan RunTeam(TeamProgram program)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        HostTeam.RunWorker(program, 0);
        return System.Diagnostics.Stopwatch.GetElapsedTime(start);
    }

    public TeamLock NewLock() => new HostTeamLock(_abort);

    public TeamBarrier NewBarrier() => new HostTeamBarrier(1, TimeSpan.Zero, _abort);

    public TeamWait Pause() => new(_pause);
}

namespace Compute.Runtimes;

/// <summary>How the host threads of a runtime wait at a barrier (the fork and join of a loop, a team barrier).</summary>
public enum WaitPolicy
{
    /// <summary>A short spin, then the thread sleeps in the OS: <see cref="System.Threading.Barrier"/> for loops, a
    /// <see cref="Splash.Team.HostTeamBarrier"/> with a 20 microsecond spin for teams.</summary>
    Blocking,

    /// <summary>
    /// <see cref="Splash.Team.SpinThenBlockBarrier"/>: spin for the multikernel dispatchers' 2 ms polling budget, then
    /// block (OpenMP's active wait).
    /// </summary>
    SpinThenBlock,
}

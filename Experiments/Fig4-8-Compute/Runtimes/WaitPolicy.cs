namespace Compute.Runtimes;

/// <summary>How the host threads of a runtime wait at a barrier (the fork and join of a loop, a team barrier).</summary>
public enum WaitPolicy
{
    /// <summary><see cref="System.Threading.Barrier"/>: a short spin, then the thread sleeps in the OS.</summary>
    Blocking,

    /// <summary>
    /// <see cref="Splash.Team.SpinThenBlockBarrier"/>: spin for the multikernel dispatchers' 2 ms polling budget, then
    /// block (OpenMP's active wait).
    /// </summary>
    SpinThenBlock,
}

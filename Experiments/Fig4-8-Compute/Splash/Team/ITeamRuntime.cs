namespace Splash.Team;

/// <summary>
/// A runtime that runs SPMD team programs: a team of <see cref="Workers"/> workers (one per core) and the
/// synchronisation primitives they share. Implementations: the multikernel's user-level threads (Kernel/Threads
/// Mutex, CondVar and Barrier; user threads on the domain's dispatchers) and host threads (Monitor locks and a
/// blocking or spin-then-block barrier), plus <see cref="SerialTeam"/>.
/// </summary>
public interface ITeamRuntime
{
    /// <summary>Short name used in results, e.g. "mk", "host", "pinned", "host-spin", "serial".</summary>
    string Name { get; }

    /// <summary>Workers in a team; at least 1.</summary>
    int Workers { get; }

    /// <summary>
    /// Runs <paramref name="program"/> on every worker at once and returns when all have returned. If a worker
    /// throws, the first exception is rethrown here; waits of the other workers are aborted where the runtime can
    /// (host threads), and the runtime refuses further teams.
    /// </summary>
    /// <returns>
    /// The team's run time as worker 0 measures it on its own core, as the SPLASH-2 originals' main process does: from
    /// its start (it starts the other workers) until it has joined them all. On host threads worker 0 is the calling
    /// thread; on the multikernel it is a user thread on dispatcher 0, so the host thread that waits for the domain is
    /// not on the clock.
    /// </returns>
    TimeSpan RunTeam(TeamProgram program);

    /// <summary>A new lock (with its condition) for this runtime's teams.</summary>
    TeamLock NewLock();

    /// <summary>A new barrier for all <see cref="Workers"/> workers of this runtime's teams.</summary>
    TeamBarrier NewBarrier();

    /// <summary>
    /// A pause inside a polling loop: on the multikernel the user thread yields, so its dispatcher polls its
    /// channels (wake-ups, sends) before the loop goes on; on host threads a short spin.
    /// </summary>
    TeamWait Pause();
}

using Multikernel.Threads;

namespace Splash.Team;

/// <summary>
/// An SPMD program (SPLASH-2 style): every worker of a team runs <see cref="RunWorker"/> with its own index at the same
/// time and the workers coordinate through the team's locks and barriers. Written as user-thread code (an
/// <c>async UTask</c> method awaiting only <see cref="TeamWait"/>s and other UTask methods).
/// </summary>
public abstract class TeamProgram
{
    /// <summary>The work of worker <paramref name="worker"/> in [0, Workers).</summary>
    public abstract UTask RunWorker(int worker);
}

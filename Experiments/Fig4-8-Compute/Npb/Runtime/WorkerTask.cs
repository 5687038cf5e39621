namespace Npb.Runtime;

/// <summary>
/// One fork-join region as the runtimes see it: <see cref="Run"/> is called exactly once for every worker
/// w in [0, Workers), possibly concurrently, and the region ends when all calls have returned.
/// </summary>
public abstract class WorkerTask
{
    public abstract void Run(int worker);
}

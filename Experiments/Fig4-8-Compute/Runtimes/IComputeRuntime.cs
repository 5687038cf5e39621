using Npb.Runtime;
using Splash.Team;

namespace Compute.Runtimes;

/// <summary>
/// A runtime of the compute experiment: fork-join loops for the NAS kernels (<see cref="IParallelRuntime"/>) and SPMD
/// teams with locks and barriers for the SPLASH-2 programs (<see cref="ITeamRuntime"/>), one worker per core.
/// </summary>
public interface IComputeRuntime : IParallelRuntime, ITeamRuntime
{
    /// <summary>Short name used in results: "mk", "host", "pinned" or "host-spin".</summary>
    new string Name { get; }

    /// <summary>Workers (cores); at least 1.</summary>
    new int Workers { get; }
}

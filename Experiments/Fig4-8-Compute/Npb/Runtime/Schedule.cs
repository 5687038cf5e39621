using Multikernel.ParallelLoops;

namespace Npb.Runtime;

/// <summary>How a parallel loop's iterations are shared among the workers (OpenMP's schedule clause).</summary>
public enum Schedule
{
    /// <summary>
    /// The range is cut into <see cref="IParallelRuntime.Workers"/> contiguous blocks of near-equal size
    /// (<see cref="BlockPartition"/>); block w runs once, as one call with worker = w. The same range and worker
    /// count always give the same blocks, so state indexed by worker carries over between static loops.
    /// </summary>
    Static,

    /// <summary>
    /// The range is cut into chunks that idle workers take in order; worker is a slot in [0, Workers) that no
    /// other worker uses during the loop, but which chunks it gets varies from run to run.
    /// </summary>
    Dynamic,
}

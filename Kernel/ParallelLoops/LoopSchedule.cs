namespace Multikernel.ParallelLoops;

/// <summary>How a loop's iterations are shared among the domain's dispatchers (OpenMP's schedule clause).</summary>
public enum LoopSchedule
{
    /// <summary>
    /// [from, to) is cut into one contiguous block per dispatcher (<see cref="BlockPartition"/>, larger blocks first);
    /// block w runs once, on dispatcher w, as one call with worker = w. The same range and domain size always give
    /// the same blocks, so state indexed by worker carries over between static loops.
    /// </summary>
    Static,

    /// <summary>
    /// [from, to) is cut into fixed-size chunks; each dispatcher starts on an equal share of them and, when its share
    /// is done, asks the others by URPC message for half of what they have left (work stealing with chunk indices in
    /// the messages). Which dispatcher runs a chunk varies from run to run; each chunk runs exactly once.
    /// </summary>
    Dynamic,
}

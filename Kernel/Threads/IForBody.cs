namespace Multikernel.Threads;

/// <summary>
/// The body of a fork-join loop: runs iterations [lo, hi) as worker <c>worker</c> (the index, within the domain, of
/// the dispatcher running it). Implemented by small structs holding the loop's arrays, so the generic dispatch
/// calls it without boxing or a delegate. Every chunk runs on its own copy of the struct: publish results through
/// the arrays it refers to, never through its own fields. A body runs synchronously and must not wait on
/// threads-package primitives.
/// </summary>
public interface IForBody
{
    void Execute(int lo, int hi, int worker);
}

/// <summary>
/// The body of a fork-join reduction: <see cref="Execute"/> returns the partial result of iterations [lo, hi);
/// <see cref="Combine"/> folds partials. The master folds the seed and the chunks' partials in chunk order, so a
/// given range, worker count, schedule and chunk size always give the same result, whichever worker ran which chunk.
/// </summary>
public interface IReduceBody<TAcc>
{
    TAcc Execute(int lo, int hi, int worker);
    TAcc Combine(TAcc left, TAcc right);
}

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

/// <summary>The block partition of the static schedule.</summary>
public static class BlockPartition
{
    /// <summary>Block <paramref name="index"/> of [from, to) cut into <paramref name="parts"/> blocks whose sizes differ by at most one, larger ones first.</summary>
    public static (int Lo, int Hi) Block(int from, int to, int parts, int index)
    {
        long n = Math.Max(0, (long)to - from);
        long q = n / parts, r = n % parts;
        long lo = from + index * q + Math.Min(index, r);
        long hi = lo + q + (index < r ? 1 : 0);
        return ((int)lo, (int)hi);
    }
}

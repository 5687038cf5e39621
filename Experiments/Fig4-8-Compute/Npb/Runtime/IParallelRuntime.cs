namespace Npb.Runtime;

/// <summary>
/// The fork-join runtime the NPB kernels are written against, in the manner of OpenMP's <c>parallel for</c>:
/// each call forks the loop onto <see cref="Workers"/> workers and returns after all have finished (the join is
/// the barrier between consecutive loops, as OpenMP's implicit barrier at the end of a worksharing loop).
/// Calls come from one thread at a time and do not nest. Implementations: the host baselines (Parallel.For,
/// pinned threads with a Barrier), a serial runtime, and the multikernel threads package.
/// </summary>
public interface IParallelRuntime : IDisposable
{
    /// <summary>Short name used in results, e.g. "host", "pinned", "mk", "serial".</summary>
    string Name { get; }

    /// <summary>Number of workers (cores) a loop is spread over; at least 1.</summary>
    int Workers { get; }

    /// <summary>Runs <paramref name="body"/> over [from, to) on all workers and returns when every iteration has run.</summary>
    void For<TBody>(int from, int to, in TBody body, Schedule schedule = Schedule.Static) where TBody : struct, IRangeBody;

    /// <summary>
    /// Runs <paramref name="body"/> over [from, to) with the static schedule and returns the sum of the blocks'
    /// partial sums, added in block order (deterministic for a given worker count).
    /// </summary>
    SumPair Sum<TBody>(int from, int to, in TBody body) where TBody : struct, IRangeSum;
}

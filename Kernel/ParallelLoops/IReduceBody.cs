namespace Multikernel.ParallelLoops;

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

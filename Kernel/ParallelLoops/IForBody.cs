namespace Multikernel.ParallelLoops;

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

namespace Npb.Runtime;

/// <summary>
/// The body of a parallel loop: runs iterations [lo, hi). Implemented by small structs holding the loop's arrays,
/// so the runtime's generic dispatch calls it without boxing or a delegate. Each worker runs on its own copy of
/// the struct: a body must publish results through the arrays it refers to, never through its own fields.
/// </summary>
public interface IRangeBody
{
    void Execute(int lo, int hi, int worker);
}

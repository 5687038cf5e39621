namespace Npb.Runtime;

/// <summary>
/// The body of a parallel reduction over [lo, hi): returns its block's partial sums. The runtime adds the blocks'
/// partials in block order, so a given range and worker count always give bit-identical sums.
/// Like <see cref="IRangeBody"/>, a body may also write results into the arrays it refers to.
/// </summary>
public interface IRangeSum
{
    SumPair Execute(int lo, int hi, int worker);
}

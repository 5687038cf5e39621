namespace Npb.Runtime;

/// <summary>Two sums reduced together in one pass (e.g. x.z and z.z in CG); a single sum leaves <see cref="Second"/> at 0.</summary>
public readonly record struct SumPair(double First, double Second)
{
    public static SumPair operator +(SumPair a, SumPair b) => new(a.First + b.First, a.Second + b.Second);
}

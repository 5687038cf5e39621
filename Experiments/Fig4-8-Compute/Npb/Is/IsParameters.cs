namespace Npb.Is;

/// <summary>
/// IS problem sizes and the official partial-verification data, copied from NPB 3.3
/// (shared/reference/npb-verification.md): after ranking in iteration it, the rank of key[TestIndex[i]] must be
/// TestRank[i] plus the class's offset for (i, it).
/// </summary>
public sealed record IsParameters(ProblemClass Class, int TotalKeysLog2, int MaxKeyLog2, int BucketsLog2, int[] TestIndex, int[] TestRank)
{
    public const int Iterations = 10;
    public const int TestKeys = 5;

    public static IsParameters Of(ProblemClass cls) => cls switch
    {
        ProblemClass.S => new(cls, 16, 11, 9, [48427, 17148, 23627, 62548, 4431], [0, 18, 346, 64917, 65463]),
        ProblemClass.W => new(cls, 20, 16, 10, [357773, 934767, 875723, 898999, 404505], [1249, 11698, 1039987, 1043896, 1048018]),
        ProblemClass.A => new(cls, 23, 19, 10, [2112377, 662041, 5336171, 3642833, 4250760], [104, 17523, 123928, 8288932, 8388264]),
        ProblemClass.B => new(cls, 25, 21, 10, [41869, 812306, 5102857, 18232239, 26860214], [33422937, 10244, 59149, 33135281, 99]),
        _ => throw new ArgumentOutOfRangeException(nameof(cls), cls, "IS classes are S, W, A, B"),
    };

    public int TotalKeys => 1 << TotalKeysLog2;
    public int MaxKey => 1 << MaxKeyLog2;
    public int Buckets => 1 << BucketsLog2;

    /// <summary>The expected rank of test key <paramref name="i"/> (0-based) in iteration <paramref name="iteration"/> (1-based).</summary>
    public int ExpectedRank(int i, int iteration) => Class switch
    {
        ProblemClass.S => i <= 2 ? TestRank[i] + iteration : TestRank[i] - iteration,
        ProblemClass.W => i < 2 ? TestRank[i] + (iteration - 2) : TestRank[i] - iteration,
        ProblemClass.A => i <= 2 ? TestRank[i] + (iteration - 1) : TestRank[i] - (iteration - 1),
        ProblemClass.B => i is 1 or 2 or 4 ? TestRank[i] + iteration : TestRank[i] - iteration,
        _ => throw new InvalidOperationException(),
    };

    /// <summary>NPB's operation count: keys ranked in the timed region.</summary>
    public double Operations => (double)Iterations * TotalKeys;
}

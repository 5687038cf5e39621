namespace Npb.Cg;

/// <summary>
/// CG problem sizes and the official verification value of zeta, copied from NPB 3.3
/// (shared/reference/npb-verification.md). The matrix has order <see cref="Na"/>; each of its generating
/// vectors has <see cref="Nonzer"/> random nonzeros.
/// </summary>
public sealed record CgParameters(ProblemClass Class, int Na, int Nonzer, int Niter, double Shift, double ZetaVerify)
{
    /// <summary>Condition number bound: rcond * identity is added to bound the smallest eigenvalue from below.</summary>
    public const double Rcond = 0.1;

    /// <summary>Conjugate-gradient iterations per inverse-power step.</summary>
    public const int CgIterations = 25;

    /// <summary>Relative tolerance on zeta.</summary>
    public const double Epsilon = 1e-10;

    public static CgParameters Of(ProblemClass cls) => cls switch
    {
        ProblemClass.S => new(cls, 1400, 7, 15, 10.0, 8.5971775078648),
        ProblemClass.W => new(cls, 7000, 8, 15, 12.0, 10.362595087124),
        ProblemClass.A => new(cls, 14000, 11, 15, 20.0, 17.130235054029),
        ProblemClass.B => new(cls, 75000, 13, 75, 60.0, 22.712745482631),
        _ => throw new ArgumentOutOfRangeException(nameof(cls), cls, "CG classes are S, W, A, B"),
    };

    /// <summary>Capacity of the matrix before duplicates are merged: na * (nonzer + 1)^2.</summary>
    public long MaxNonZeros => (long)Na * (Nonzer + 1) * (Nonzer + 1);

    /// <summary>NPB's floating-point operation count for the timed region.</summary>
    public double Operations =>
        2.0 * Niter * Na * (3.0 + (double)Nonzer * (Nonzer + 1) + 25.0 * (5.0 + (double)Nonzer * (Nonzer + 1)) + 3.0);
}

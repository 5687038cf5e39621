namespace Npb.Ft;

/// <summary>
/// FT problem sizes and the official checksums, copied from NPB 3.3 (shared/reference/npb-verification.md).
/// <see cref="Reference"/> lists (iteration, re, im) for every iteration the reference file gives: all of them for
/// S, W, A; iterations 1, 10 and 20 for B.
/// </summary>
public sealed record FtParameters(ProblemClass Class, int Nx, int Ny, int Nz, int Niter, (int Iteration, double Re, double Im)[] Reference)
{
    public const double Alpha = 1e-6;

    /// <summary>Relative complex error allowed at each checked iteration.</summary>
    public const double Epsilon = 1e-12;

    public static FtParameters Of(ProblemClass cls) => cls switch
    {
        ProblemClass.S => new(cls, 64, 64, 64, 6,
        [
            (1, 554.6087004964, 484.5363331978), (2, 554.6385409189, 486.5304269511), (3, 554.6148406171, 488.3910722336),
            (4, 554.5423607415, 490.1273169046), (5, 554.4255039624, 491.7475857993), (6, 554.2683411902, 493.2597244941),
        ]),
        ProblemClass.W => new(cls, 128, 128, 32, 6,
        [
            (1, 567.3612178944, 529.3246849175), (2, 563.1436885271, 528.2149986629), (3, 559.4024089970, 527.0996558037),
            (4, 556.0698047020, 526.0027904925), (5, 553.0898991250, 524.9400845633), (6, 550.4159734538, 523.9212247086),
        ]),
        ProblemClass.A => new(cls, 256, 256, 128, 6,
        [
            (1, 504.6735008193, 511.4047905510), (2, 505.9412319734, 509.8809666433), (3, 506.9376896287, 509.8144042213),
            (4, 507.7892868474, 510.1336130759), (5, 508.5233095391, 510.4914655194), (6, 509.1487099959, 510.7917842803),
        ]),
        ProblemClass.B => new(cls, 512, 256, 256, 20,
        [
            (1, 517.7643571579, 507.7803458597), (10, 513.1197729984, 511.0460304483), (20, 512.4146770029, 511.5744692211),
        ]),
        _ => throw new ArgumentOutOfRangeException(nameof(cls), cls, "FT classes are S, W, A, B"),
    };

    public long Total => (long)Nx * Ny * Nz;

    /// <summary>NPB's floating-point operation count for the timed region (natural logarithms).</summary>
    public double Operations
    {
        get
        {
            double n = Total;
            return n * (14.8157 + 7.19641 * Math.Log(n) + (5.23518 + 7.21113 * Math.Log(n)) * Niter);
        }
    }
}

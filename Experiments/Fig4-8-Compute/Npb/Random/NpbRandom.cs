using System.Runtime.CompilerServices;

namespace Npb.Random;

/// <summary>
/// The NAS Parallel Benchmarks linear congruential generator, x_{k+1} = a * x_k mod 2^46, returning x_{k+1} / 2^46.
/// Implemented exactly as NPB's randlc/vranlc: the operands are split into 23-bit halves held in doubles, so every
/// intermediate product and sum is an integer below 2^53 and the arithmetic is exact. Invariant: x and a are
/// integers with 0 &lt; value &lt; 2^46, stored as doubles.
/// </summary>
public static class NpbRandom
{
    /// <summary>The seed every NPB benchmark here starts from.</summary>
    public const double Seed = 314159265.0;

    /// <summary>The multiplier a = 5^13.</summary>
    public const double Multiplier = 1220703125.0;

    const double R23 = 1.0 / 8388608.0;            // 2^-23
    const double T23 = 8388608.0;                  // 2^23
    const double R46 = R23 * R23;                  // 2^-46
    const double T46 = T23 * T23;                  // 2^46

    /// <summary>Advances <paramref name="x"/> to a * x mod 2^46 and returns the new x / 2^46, in (0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Randlc(ref double x, double a)
    {
        var (a1, a2) = Halves(a);
        x = MultiplyMod46(a1, a2, x);
        return R46 * x;
    }

    /// <summary>Fills <paramref name="y"/> with the next y.Length values of the sequence, as NPB's vranlc (n = y.Length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vranlc(ref double x, double a, Span<double> y)
    {
        var (a1, a2) = Halves(a);
        double xl = x;
        for (int i = 0; i < y.Length; i++)
        {
            xl = MultiplyMod46(a1, a2, xl);
            y[i] = R46 * xl;
        }
        x = xl;
    }

    /// <summary>a = 2^23 * a1 + a2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (double A1, double A2) Halves(double a)
    {
        double a1 = Math.Truncate(R23 * a);
        return (a1, a - T23 * a1);
    }

    /// <summary>a * x mod 2^46 for a = 2^23 * a1 + a2, exactly (NPB's randlc step, shared with vranlc's loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static double MultiplyMod46(double a1, double a2, double x)
    {
        // x = 2^23 * x1 + x2; z = a1 * x2 + a2 * x1 mod 2^23; then a * x mod 2^46 = 2^23 * z + a2 * x2 mod 2^46.
        double x1 = Math.Truncate(R23 * x);
        double x2 = x - T23 * x1;
        double t1 = a1 * x2 + a2 * x1;
        double t2 = Math.Truncate(R23 * t1);
        double z = t1 - T23 * t2;
        double t3 = T23 * z + a2 * x2;
        double t4 = Math.Truncate(R46 * t3);
        return t3 - T46 * t4;
    }

    /// <summary>a^exponent mod 2^46 by repeated squaring with <see cref="Randlc"/> (NPB's ipow46); 1 for exponent 0.</summary>
    public static double Power(double a, long exponent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        if (exponent == 0) return 1.0;
        double q = a, r = 1.0;
        long n = exponent;
        while (n > 1)
        {
            long n2 = n / 2;
            if (n2 * 2 == n) { Randlc(ref q, q); n = n2; }
            else { Randlc(ref r, q); n--; }
        }
        Randlc(ref r, q);
        return r;
    }

    /// <summary>The state after <paramref name="steps"/> draws from <paramref name="x"/>: x * a^steps mod 2^46.</summary>
    public static double Skip(double x, double a, long steps)
    {
        if (steps == 0) return x;
        double an = Power(a, steps);
        Randlc(ref x, an);
        return x;
    }
}

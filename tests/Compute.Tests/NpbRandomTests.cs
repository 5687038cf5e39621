using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Npb.Random;

namespace Compute.Tests;

/// <summary>
/// The NPB generator (double-precision 23-bit splitting) checked against exact integer arithmetic mod 2^46,
/// computed independently here with BigInteger.
/// </summary>
public class NpbRandomTests
{
    static readonly BigInteger Mod = BigInteger.One << 46;
    const long A = 1220703125; // 5^13

    [Fact]
    public void Multiplier_is_5_to_the_13()
    {
        Assert.Equal(NpbRandom.Multiplier, (double)BigInteger.Pow(5, 13));
    }

    [Fact]
    public void Randlc_follows_the_exact_recurrence_for_ten_thousand_steps_from_the_seed()
    {
        double x = NpbRandom.Seed;
        BigInteger exact = 314159265;
        for (int k = 0; k < 10_000; k++)
        {
            double r = NpbRandom.Randlc(ref x, NpbRandom.Multiplier);
            exact = exact * A % Mod;
            Assert.Equal((double)exact, x);
            Assert.Equal((double)exact / (double)Mod, r);
            Assert.InRange(r, double.Epsilon, 1.0 - 1e-15);
        }
    }

    [Fact]
    public void First_draw_from_the_seed_matches_a_hand_computed_value()
    {
        // 314159265 * 1220703125 = 383495196533203125, which mod 2^46 (70368744177664) is 55909509111989 (computed outside .NET, with Python integers).
        BigInteger product = new BigInteger(314159265) * 1220703125;
        Assert.Equal(BigInteger.Parse("383495196533203125"), product);
        Assert.Equal(new BigInteger(55909509111989), product % Mod);
        double x = NpbRandom.Seed;
        NpbRandom.Randlc(ref x, NpbRandom.Multiplier);
        Assert.Equal(55909509111989.0, x);
    }

    [Property(MaxTest = 500)]
    public Property Randlc_is_exact_for_any_operands_below_2_to_the_46()
    {
        var operand = Gen.Choose(0, int.MaxValue).Two().Select(t => ((long)t.Item1 << 15 ^ t.Item2) % ((1L << 46) - 1) + 1);
        return Prop.ForAll(operand.Two().ToArbitrary(), t =>
        {
            var (x0, a) = t;
            double x = x0;
            double r = NpbRandom.Randlc(ref x, a);
            var exact = new BigInteger(x0) * a % Mod;
            return x == (double)exact && r == (double)exact / (double)Mod;
        });
    }

    [Fact]
    public void Vranlc_equals_successive_randlc_calls_and_leaves_the_same_state()
    {
        double x1 = NpbRandom.Seed, x2 = NpbRandom.Seed;
        var y = new double[1000];
        NpbRandom.Vranlc(ref x1, NpbRandom.Multiplier, y);
        for (int i = 0; i < y.Length; i++)
            Assert.Equal(NpbRandom.Randlc(ref x2, NpbRandom.Multiplier), y[i]);
        Assert.Equal(x2, x1);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(2L)]
    [InlineData(7L)]
    [InlineData(8192L)]          // 2 nx ny for FT class S
    [InlineData(262144L)]        // 4 x 2^16: IS class S
    [InlineData(123456789012L)]
    public void Power_is_modular_exponentiation(long n)
    {
        Assert.Equal((double)BigInteger.ModPow(A, n, Mod), NpbRandom.Power(NpbRandom.Multiplier, n));
    }

    [Fact]
    public void Skip_equals_stepping()
    {
        double stepped = NpbRandom.Seed;
        for (int i = 0; i < 777; i++) NpbRandom.Randlc(ref stepped, NpbRandom.Multiplier);
        Assert.Equal(stepped, NpbRandom.Skip(NpbRandom.Seed, NpbRandom.Multiplier, 777));
        Assert.Equal(NpbRandom.Seed, NpbRandom.Skip(NpbRandom.Seed, NpbRandom.Multiplier, 0));
    }
}

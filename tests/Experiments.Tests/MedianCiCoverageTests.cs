using Perfolizer.Mathematics.Distributions.ContinuousDistributions;

namespace Experiments.Tests;

/// <summary>
/// The actual coverage of <see cref="SampleSummary"/>'s 95% interval for the median at the repetition counts the
/// experiments use (6 to 10, and 20), checked by simulation with fixed seeds: for each distribution and n, 2,000 samples
/// of n values, each summarised as the programs do, and the share of intervals that hold the distribution's true
/// median. The interval must cover it at least <see cref="Nominal"/> - <see cref="Tolerance"/> of the time in every
/// case (a property of the estimator, not a timing; the seeds make the counts exact and repeatable). The 2,000
/// samples give a binomial standard error of about 0.5 points at 95%, so the 3-point tolerance is six of them.
/// </summary>
public class MedianCiCoverageTests
{
    const double Nominal = 0.95, Tolerance = 0.03;
    const int Samples = 2000;

    /// <summary>A distribution to draw from and its true median.</summary>
    sealed record Population(string Name, Func<Random, double> Draw, double Median);

    static double Gaussian(Random r)
    {
        double u1 = 1 - r.NextDouble(), u2 = r.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    static readonly Population[] Populations =
    [
        new("normal N(10, 1)", r => 10 + Gaussian(r), 10),
        new("lognormal (sigma 0.5)", r => Math.Exp(0.5 * Gaussian(r)), 1),
        new("exponential (rate 1)", r => -Math.Log(1 - r.NextDouble()), Math.Log(2)),
        // Timing data: a main mode and a slow tail of a tenth of the runs.
        new("mixture 90% N(100, 2) + 10% N(150, 5)", r => r.NextDouble() < 0.9 ? 100 + 2 * Gaussian(r) : 150 + 5 * Gaussian(r), MixtureMedian()),
    ];

    /// <summary>The median of 0.9 N(100, 2) + 0.1 N(150, 5): where its CDF is 1/2, by bisection.</summary>
    static double MixtureMedian()
    {
        NormalDistribution main = new(100, 2), tail = new(150, 5);
        double lo = 90, hi = 110;
        for (int i = 0; i < 100; i++)
        {
            double mid = (lo + hi) / 2;
            if (0.9 * main.Cdf(mid) + 0.1 * tail.Cdf(mid) < 0.5) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }

    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        foreach (int n in new[] { 6, 7, 8, 10, 20 })
            for (int p = 0; p < Populations.Length; p++)
                data.Add(n, p);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheIntervalCoversTheTrueMedianAtLeastNominalLessTolerance(int n, int population)
    {
        var pop = Populations[population];
        var rng = new Random(1000 * n + population);
        var x = new double[n];
        int covered = 0;
        for (int k = 0; k < Samples; k++)
        {
            for (int i = 0; i < n; i++) x[i] = pop.Draw(rng);
            var s = SampleSummary.Of(x);
            Assert.True(s.CiLow <= s.Median && s.Median <= s.CiHigh, $"{pop.Name}, n = {n}: CI [{s.CiLow}, {s.CiHigh}] does not hold the median {s.Median}");
            if (s.CiLow <= pop.Median && pop.Median <= s.CiHigh) covered++;
        }
        double coverage = (double)covered / Samples;
        Assert.True(coverage >= Nominal - Tolerance,
            $"{pop.Name}, n = {n}: the 95% CI held the true median {pop.Median:0.####} in {covered} of {Samples} samples ({coverage:P1}), below {Nominal - Tolerance:P0}");
    }

    /// <summary>
    /// Five values (and fewer) get no interval at all, whatever the distribution: even [min, max] holds the median with
    /// probability 1 - 2 x 0.5^5 = 0.9375 only, so no interval within the data reaches 95%.
    /// </summary>
    [Fact]
    public void FiveValuesNeverGetAnInterval()
    {
        var x = new double[5];
        foreach (var (pop, p) in Populations.Select((pop, p) => (pop, p)))
        {
            var rng = new Random(5000 + p);
            for (int k = 0; k < 200; k++)
            {
                for (int i = 0; i < x.Length; i++) x[i] = pop.Draw(rng);
                var s = SampleSummary.Of(x);
                Assert.True(double.IsNaN(s.CiLow) && double.IsNaN(s.CiHigh), $"{pop.Name}: five values got the CI [{s.CiLow}, {s.CiHigh}]");
            }
        }
    }
}

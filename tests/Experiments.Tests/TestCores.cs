using Multikernel.Hardware;

namespace Experiments.Tests;

/// <summary>Cores and scratch folders for the tests: the first one or two cores this process may use.</summary>
static class TestCores
{
    public static int[] First(int n) => CoreAffinity.AllowedCpus().Take(n).ToArray();

    /// <summary>Up to two cores: MSG needs two; on a one-core machine the tests check the refusal instead.</summary>
    public static int[] UpToTwo => First(2);

    public static bool HasTwo => CoreAffinity.AllowedCpus().Count >= 2;

    /// <summary>The first <paramref name="n"/> cores; skips the calling test, visibly, where this process may use fewer
    /// (<see cref="First"/> would hand it fewer cores than it counts on).</summary>
    public static int[] FirstOrSkip(int n)
    {
        int allowed = CoreAffinity.AllowedCpus().Count;
        Assert.SkipWhen(allowed < n, $"needs {n} cores; this process may use {allowed}");
        return First(n);
    }

    /// <summary>The core counts of the workload theories: the same rows on every machine, so that a count this process
    /// cannot run shows as a skipped test (<see cref="FirstOrSkip"/>), not as a row that was never there.</summary>
    public static readonly int[] TheoryCoreCounts = [1, 2];

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "fig1-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}

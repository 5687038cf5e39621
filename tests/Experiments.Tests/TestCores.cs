using Multikernel.Hardware;

namespace Experiments.Tests;

/// <summary>Cores and scratch folders for the tests: the first one or two cores this process may use.</summary>
static class TestCores
{
    public static int[] First(int n) => CoreAffinity.AllowedCpus().Take(n).ToArray();

    /// <summary>Up to two cores: MSG needs two; on a one-core machine the tests check the refusal instead.</summary>
    public static int[] UpToTwo => First(2);

    public static bool HasTwo => CoreAffinity.AllowedCpus().Count >= 2;

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "fig1-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}

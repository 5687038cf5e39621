using System.Globalization;

namespace Compute.Sweep;

/// <summary>
/// One timed run of a benchmark on one runtime (one repetition of a sweep point): its timed region's seconds, its
/// work rate where the benchmark defines one (NPB's Mop/s), whether it passed its checks, the checks or the failure in
/// words, and the bytes its workers allocated where the benchmark counts them (SPLASH's allocation probes; 0 elsewhere).
/// </summary>
public sealed record BenchRun(bool Verified, double Seconds, double? Mops, string Detail, long AllocatedBytes)
{
    /// <summary>A run that failed a check or did not finish; never a timing.</summary>
    public static BenchRun Failed(string detail) => new(false, double.NaN, null, detail, 0);

    /// <summary>
    /// The allocation probe's reading over <paramref name="runs"/>: "N B over R runs", and where any run allocated, how
    /// many did and the most one did (a first use of a frame in the process shows as one run, a steady cost as all).
    /// </summary>
    public static string Allocations(IReadOnlyList<BenchRun> runs)
    {
        long total = runs.Sum(r => r.AllocatedBytes);
        int allocating = runs.Count(r => r.AllocatedBytes > 0);
        string all = string.Create(CultureInfo.InvariantCulture, $"{total} B over {runs.Count} runs");
        return allocating == 0 ? all
            : string.Create(CultureInfo.InvariantCulture, $"{all} ({allocating} of them allocated, at most {runs.Max(r => r.AllocatedBytes)} B in one)");
    }
}

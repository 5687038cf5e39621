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
}

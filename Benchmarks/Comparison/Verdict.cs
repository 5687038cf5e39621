namespace Benchmarks.Comparison;

/// <summary>The comparer's answer for one benchmark (times: lower is better).</summary>
public enum Verdict
{
    /// <summary>Current is faster than baseline by more than the threshold (significant).</summary>
    Faster,
    /// <summary>Current is slower than baseline by more than the threshold (significant): a regression.</summary>
    Slower,
    /// <summary>Neither shift beyond the threshold is significant.</summary>
    Same,
    /// <summary>Too few measurements for the test to decide.</summary>
    Unknown,
}

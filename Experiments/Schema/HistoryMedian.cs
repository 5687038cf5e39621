using System.Globalization;

namespace Experiments.Schema;

/// <summary>
/// The one rule for a median in the URPC latency history (<c>Results/urpc-history.csv</c>), held by its writer and
/// reader in Benchmarks/History and by the report's reader alike: a median is a time per operation, positive and
/// finite; MedianCycles may also be unknown (NaN, or an empty field), as the writer puts it where the TSC rate is
/// unknown. A value outside the rule would become a point of its series and enter the band of the runs after it.
/// </summary>
public static class HistoryMedian
{
    /// <summary>Whether <paramref name="value"/> may stand in the history; <paramref name="unknownAllowed"/>: NaN is allowed (MedianCycles).</summary>
    public static bool IsValid(double value, bool unknownAllowed) =>
        (double.IsFinite(value) && value > 0) || (unknownAllowed && double.IsNaN(value));

    /// <summary>What is wrong with <paramref name="value"/> as the median <paramref name="column"/>, or null when it is valid.</summary>
    public static string? Problem(string column, double value, bool unknownAllowed) =>
        IsValid(value, unknownAllowed) ? null
            : $"{column} '{value.ToString(CultureInfo.InvariantCulture)}' is not a positive, finite time";
}

using System.Globalization;

namespace Experiments.Schema;

/// <summary>
/// How the URPC latency history (<c>Results/urpc-history.csv</c>) reads a line's Date, for its writer and reader in
/// Benchmarks/History and for the report's reader alike: an ISO 8601 time, UTC where it names no offset.
/// </summary>
public static class HistoryDate
{
    public static bool TryParse(string text, out DateTimeOffset when) =>
        DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out when);
}

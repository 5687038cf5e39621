using Compute.Runtimes;
using Npb;

namespace Compute.Cli;

/// <summary>
/// Parses the compute experiment's option values. Each parser throws <see cref="FormatException"/> whose message
/// names the option, the bad value and what is allowed.
/// </summary>
public static class ComputeArguments
{
    /// <summary>"cg,ft,is" (any subset, any order, any case) -> the names in the order given.</summary>
    public static string[] ParseBenchmarks(string text)
    {
        var names = SplitList(text, "--bench", "cg,ft,is");
        foreach (var n in names)
            if (!NpbSuite.Names.Contains(n))
                throw new FormatException($"--bench: '{n}' is not a benchmark; allowed: {string.Join(", ", NpbSuite.Names)} (comma-separated)");
        return names;
    }

    public static ProblemClass ParseClass(string text) =>
        ProblemClasses.TryParse(text, out var cls)
            ? cls
            : throw new FormatException($"--class: '{text}' is not a problem class; allowed: S, W, A, B");

    /// <summary>
    /// Runtimes: a comma-separated list of mk, host (Parallel.For), pinned (pinned threads + Barrier), or the
    /// shorthands both (= mk,host: the multikernel and the host baseline, as in the paper) and all (= mk,host,pinned).
    /// Every runtime must be available in this build.
    /// </summary>
    public static RuntimeKind[] ParseRuntimes(string text)
    {
        const string allowed = "mk, host (Parallel.For), pinned (pinned threads + Barrier), both (= mk,host), all (= mk,host,pinned)";
        var result = new List<RuntimeKind>();
        foreach (var name in SplitList(text, "--runtime", allowed))
        {
            RuntimeKind[] kinds = name switch
            {
                "mk" => [RuntimeKind.Mk],
                "host" => [RuntimeKind.Host],
                "pinned" => [RuntimeKind.Pinned],
                "both" => [RuntimeKind.Mk, RuntimeKind.Host],
                "all" => [RuntimeKind.Mk, RuntimeKind.Host, RuntimeKind.Pinned],
                _ => throw new FormatException($"--runtime: '{name}' is not a runtime; allowed: {allowed}"),
            };
            foreach (var k in kinds)
            {
                if (!result.Contains(k)) result.Add(k);
            }
        }
        return result.ToArray();
    }

    public static int ParseRepetitions(string text) =>
        int.TryParse(text, out int n) && n >= 1
            ? n
            : throw new FormatException($"--repetitions: '{text}' is not a whole number of at least 1");

    static string[] SplitList(string text, string option, string allowed)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Any(p => p.Length == 0))
            throw new FormatException($"{option}: '{text}' has an empty element; give a comma-separated list of {allowed}");
        var names = parts.Select(p => p.ToLowerInvariant()).ToArray();
        var dup = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new FormatException($"{option}: '{dup.Key}' is listed twice in '{text}'");
        return names;
    }
}

using Compute.Runtimes;
using Npb;

namespace Compute.Cli;

/// <summary>
/// Parses the compute experiment's list options. Each parser throws <see cref="FormatException"/> whose message
/// names the option, the bad value and what is allowed.
/// </summary>
public static class ComputeArguments
{
    public const string AllowedRuntimes =
        "mk, host (Parallel.For / unpinned threads), pinned (pinned threads + blocking Barrier), host-spin (pinned threads + spin-then-block barrier), both (= mk,host), all (= every runtime)";

    /// <summary>"cg,ft,is,barnes,radiosity" (any subset, any order, any case) -> the names in the order given.</summary>
    public static string[] ParseBenchmarks(string text)
    {
        var names = SplitList(text, "--bench", string.Join(",", ComputeProfile.Benchmarks));
        foreach (var n in names)
            if (!ComputeProfile.Benchmarks.Contains(n))
                throw new FormatException($"--bench: '{n}' is not a benchmark; allowed: {string.Join(", ", ComputeProfile.Benchmarks)} (comma-separated)");
        return names;
    }

    public static ProblemClass ParseClass(string text) =>
        ProblemClasses.TryParse(text, out var cls)
            ? cls
            : throw new FormatException($"--class: '{text}' is not a problem class; allowed: S, W, A, B");

    /// <summary>Runtimes: a comma-separated list of mk, host, pinned, host-spin, or the shorthands both (= mk,host) and all.</summary>
    public static RuntimeKind[] ParseRuntimes(string text)
    {
        var result = new List<RuntimeKind>();
        foreach (var name in SplitList(text, "--runtime", AllowedRuntimes))
        {
            IReadOnlyList<RuntimeKind> kinds = name switch
            {
                "mk" => [RuntimeKind.Mk],
                "host" => [RuntimeKind.Host],
                "pinned" => [RuntimeKind.Pinned],
                "host-spin" => [RuntimeKind.HostSpin],
                "both" => [RuntimeKind.Mk, RuntimeKind.Host],
                "all" => RuntimeFactory.All,
                _ => throw new FormatException($"--runtime: '{name}' is not a runtime; allowed: {AllowedRuntimes}"),
            };
            foreach (var k in kinds)
                if (!result.Contains(k)) result.Add(k);
        }
        return result.ToArray();
    }

    static string[] SplitList(string text, string option, string allowed)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Any(p => p.Length == 0))
            throw new FormatException($"{option}: '{text}' has an empty element; give a comma-separated list of {allowed}");
        var names = parts.Select(p => p.ToLowerInvariant()).ToArray();
        var dup = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new FormatException($"{option}: '{dup.Key}' is listed twice in '{text}'; allowed: {allowed}");
        return names;
    }
}

using Npb.Cg;
using Npb.Ft;
using Npb.Is;

namespace Npb;

/// <summary>The benchmarks of this library by their command-line names.</summary>
public static class NpbSuite
{
    /// <summary>Lower-case names, in the order a sweep runs them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cg", "ft", "is"];

    /// <summary>Creates the benchmark <paramref name="name"/> ("cg", "ft" or "is", any case) for class <paramref name="cls"/>.</summary>
    public static INpbBenchmark Create(string name, ProblemClass cls) => name.ToLowerInvariant() switch
    {
        "cg" => new CgBenchmark(cls),
        "ft" => new FtBenchmark(cls),
        "is" => new IsBenchmark(cls),
        _ => throw new ArgumentException($"unknown benchmark '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };
}

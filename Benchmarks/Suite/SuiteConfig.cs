using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Benchmarks.Suite;

/// <summary>
/// The BenchmarkDotNet configuration of the suite. The benchmarks run in-process (InProcessEmitToolchain): the
/// pinned benchmark thread and the peer thread live in the process that runs the benchmark, no project is generated
/// or built per run (which keeps CI short), and the columns can read what GlobalSetup recorded. The job sets no
/// affinity and no priority class, so BenchmarkDotNet's environment settings never touch the pinning.
/// </summary>
public static class SuiteConfig
{
    /// <summary>Short profile: 3 warm-up and 15 measured iterations of ~25 ms per benchmark (the comparer wants >= 15 samples per side).</summary>
    public static Job ShortJob => Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(15)
        .WithIterationTime(TimeInterval.FromMilliseconds(25))
        .WithId("short");

    /// <summary>Full profile: 30 measured iterations of ~250 ms after BenchmarkDotNet's automatic warm-up.</summary>
    public static Job FullJob => Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithIterationCount(30)
        .WithIterationTime(TimeInterval.FromMilliseconds(250))
        .WithId("full");

    public static IConfig Create(SuiteProfile profile, string artifactsPath, string? filter)
    {
        var config = ManualConfig.CreateEmpty()
            .AddJob(profile == SuiteProfile.Short ? ShortJob : FullJob)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(JsonExporter.Full)
            .AddExporter(MarkdownExporter.GitHub)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(new CoresColumn(), new CyclesColumn(), new MsgsPerKcycleColumn())
            .WithArtifactsPath(artifactsPath)
            .WithOptions(ConfigOptions.JoinSummary);
        if (!string.IsNullOrWhiteSpace(filter)) config = config.AddFilter(new GlobFilter(filter.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)));
        return config;
    }
}

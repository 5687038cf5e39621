using System.CommandLine;
using System.CommandLine.Parsing;
using Compute.Runtimes;
using Compute.Sweep;
using Experiments.Common;
using Npb;

namespace Compute.Cli;

/// <summary>
/// The command line of the compute experiment (paper Fig 9: NAS CG, FT, IS on the multikernel threads and on host
/// threads). Bad values are reported with the option, the value and what is allowed, and exit non-zero.
/// Exit codes: 0 all points verified, 1 bad arguments or a failure while running, 2 some point failed NPB
/// verification (its rows say Verified=fail), 130 interrupted (results so far are kept, meta.json says incomplete).
/// </summary>
public static class ComputeCommand
{
    public const int ExitVerificationFailed = 2;
    public const int ExitInterrupted = 130;

    public static RootCommand Build()
    {
        var bench = new Option<string[]>("--bench")
        {
            Description = "Benchmarks to run, comma-separated: cg, ft, is",
            DefaultValueFactory = _ => [.. NpbSuite.Names],
            CustomParser = r => Parse(r, ComputeArguments.ParseBenchmarks) ?? [],
            Arity = ArgumentArity.ExactlyOne,
        };
        var cls = new Option<ProblemClass?>("--class")
        {
            Description = "NPB problem class: S, W, A or B (default A; S with --quick, B with --full)",
            CustomParser = r => Parse(r, s => (ProblemClass?)ComputeArguments.ParseClass(s)),
            Arity = ArgumentArity.ExactlyOne,
        };
        var cores = new Option<int[]>("--cores")
        {
            Description = "Cores to use, e.g. 0-7 or 0,2,4 (default: all allowed). The sweep uses the first k listed cores for k in 1, 2, 3, 4, 6, ... (1, 2, 4, ... with --quick) and the total",
            DefaultValueFactory = _ => [.. CoreList.Allowed()],
            CustomParser = r => Parse(r, s => CoreList.Parse(s, CoreList.Allowed())) ?? [],
            Arity = ArgumentArity.ExactlyOne,
        };
        var runtime = new Option<RuntimeKind[]>("--runtime")
        {
            Description = "Runtimes, comma-separated: mk (multikernel threads), host (Parallel.For), pinned (pinned threads + Barrier); " +
                          "both = mk,host; all = mk,host,pinned (default all)",
            DefaultValueFactory = _ => [RuntimeKind.Mk, RuntimeKind.Host, RuntimeKind.Pinned],
            CustomParser = r => Parse(r, ComputeArguments.ParseRuntimes) ?? [],
            Arity = ArgumentArity.ExactlyOne,
        };
        var reps = new Option<int?>("--repetitions")
        {
            Description = "Runs per point; the median and its 95% CI are reported (default 3; 1 with --quick, 5 with --full)",
            CustomParser = r => Parse(r, s => (int?)ComputeArguments.ParseRepetitions(s)),
            Arity = ArgumentArity.ExactlyOne,
        };
        var outDir = new Option<string>("--out")
        {
            Description = "Run folder; results go to OUT/compute/results.csv and meta.json (default Results/<host>-<timestamp>)",
            DefaultValueFactory = _ => Path.Combine("Results", $"{Environment.MachineName}-{DateTime.UtcNow:yyyyMMdd-HHmmss}"),
            Arity = ArgumentArity.ExactlyOne,
        };
        outDir.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(v)) r.AddError("--out: the folder name is empty");
            else if (File.Exists(v)) r.AddError($"--out: '{v}' is a file; give a folder");
        });
        var quick = new Option<bool>("--quick")
        {
            Description = "Short run: class S, 1 repetition and a power-of-two core sweep unless given otherwise",
        };

        var full = new Option<bool>("--full")
        {
            Description = "Many-core server run: class B, 5 repetitions, every core count of the sweep unless given otherwise",
        };
        full.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<bool>() && r.Parent?.GetResult(quick) is { } qr && qr.GetValueOrDefault<bool>())
                r.AddError("--quick and --full exclude each other: choose one profile");
        });

        var root = new RootCommand("Paper Fig 9: NAS Parallel Benchmarks CG, FT, IS (verified) on the multikernel threads and on host threads, swept over cores");
        foreach (var o in new Option[] { bench, cls, cores, runtime, reps, outDir, quick, full }) root.Options.Add(o);
        root.SetAction(pr =>
        {
            bool q = pr.GetValue(quick), f = pr.GetValue(full);
            var settings = new ComputeSettings(
                pr.GetValue(bench)!,
                pr.GetValue(cls) ?? (q ? ProblemClass.S : f ? ProblemClass.B : ProblemClass.A),
                pr.GetValue(cores)!,
                pr.GetValue(runtime)!,
                pr.GetValue(reps) ?? (q ? 1 : f ? 5 : 3),
                pr.GetValue(outDir)!,
                q);
            var output = pr.InvocationConfiguration.Output;
            var error = pr.InvocationConfiguration.Error;
            try
            {
                return new ComputeSweep(settings, output, error).Run();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or NotSupportedException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return root;
    }

    /// <summary>Runs a parser on the option's single token, turning a FormatException into a parse error.</summary>
    static T? Parse<T>(ArgumentResult r, Func<string, T> parse)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        try { return parse(text); }
        catch (FormatException e)
        {
            r.AddError(e.Message);
            return default;
        }
    }
}

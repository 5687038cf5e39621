using System.CommandLine;
using System.CommandLine.Parsing;
using Experiments.Common;

namespace Fig1.SharedState;

/// <summary>
/// The command line of the fig1 program. Bad values end with a message naming the option, what was wrong and what is
/// allowed, and exit code <see cref="BadInput"/>.
/// </summary>
public static class Fig1Cli
{
    public const int BadInput = 2;

    /// <summary>Sizes of the three profiles: timed ops per thread per repetition, and repetitions.</summary>
    public static readonly IReadOnlyDictionary<string, (int Iterations, int Repetitions)> Profiles = new Dictionary<string, (int, int)>
    {
        ["quick"] = (1_000, 15),
        ["default"] = (2_000, 151),
        ["full"] = (10_000, 501),
    };

    const int MinIterations = 10, MaxIterations = 100_000_000, MaxRepetitions = 10_000;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var allowed = CoreList.Allowed();
        var cores = new Option<string>("--cores")
        {
            Description = $"Cores to use, a list or ranges such as 0-3,8 or 'all' (default: all allowed, here {CoreList.Format(allowed)}). " +
                          "The first core hosts the MSG server; a sweep over k cores uses the first k.",
            DefaultValueFactory = _ => "all",
        };
        cores.Validators.Add(r =>
        {
            try { CoreList.Parse(r.GetValueOrDefault<string>() ?? "", allowed); }
            catch (FormatException e) { r.AddError(e.Message); }
        });
        var iterations = IntOption("--iterations", "Timed operations per thread (or client) per repetition (default: set by the profile)", MinIterations, MaxIterations);
        var repetitions = IntOption("--repetitions", "Repetitions per point; each thread or client gives one sample per repetition (default: set by the profile)", 1, MaxRepetitions);
        var window = IntOption("--window", $"Requests each client keeps in flight in the pipelined MSG variant (default 8)", 1, UpdateProtocol.MaxWindow);
        var outDir = new Option<string>("--out")
        {
            Description = "Run folder; results go to <out>/fig1-shared-state and <out>/urpc-tables (default: Results/<host>-<timestamp>)",
        };
        outDir.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(v)) r.AddError("--out: the run folder must not be empty");
            else if (File.Exists(v)) r.AddError($"--out: '{v}' is a file; give a folder (it is created if missing)");
        });
        var quick = new Option<bool>("--quick") { Description = $"Small sweep for a smoke test ({Describe("quick")}; core counts 1, 2, 4, ...)" };
        var full = new Option<bool>("--full") { Description = $"Large sweep for publication ({Describe("full")})" };
        var experiment = new Option<string>("--experiment")
        {
            Description = $"Which experiment to run: all, {Fig1Settings.SharedStateId} or {Fig1Settings.UrpcTablesId} (default: all)",
            DefaultValueFactory = _ => "all",
        };
        string[] experiments = ["all", Fig1Settings.SharedStateId, Fig1Settings.UrpcTablesId];
        experiment.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (!experiments.Contains(v)) r.AddError($"--experiment: '{v}' is not an experiment of this program; allowed: {string.Join(", ", experiments)}");
        });

        var root = new RootCommand(
            "Paper Fig 3 (shared-state update cost: SHMn vs MSGn vs the server, with host lock baselines) and the paper's " +
            $"Tables 1-2 (same-core LRPC, URPC latency and throughput) on real pinned cores. Default size: {Describe("default")}.");
        foreach (var o in new Option[] { cores, iterations, repetitions, window, outDir, quick, full, experiment }) root.Options.Add(o);
        root.Validators.Add(r =>
        {
            if (r.GetValue(quick) && r.GetValue(full))
                r.AddError($"--quick and --full cannot be combined: choose one profile (quick: {Describe("quick")}; full: {Describe("full")}; neither: {Describe("default")})");
        });

        int exit = 0;
        root.SetAction(pr =>
        {
            string profile = pr.GetValue(quick) ? "quick" : pr.GetValue(full) ? "full" : "default";
            var (defIter, defReps) = Profiles[profile];
            string which = pr.GetValue(experiment)!;
            var settings = new Fig1Settings
            {
                Cores = CoreList.Parse(pr.GetValue(cores) ?? "all", allowed),
                Size = SweepSize.For(pr.GetValue(iterations) ?? defIter, pr.GetValue(repetitions) ?? defReps),
                Window = pr.GetValue(window) ?? 8,
                OutDir = pr.GetValue(outDir) ?? Path.Combine("Results", $"{Environment.MachineName}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                Profile = profile,
                SharedState = which is "all" or Fig1Settings.SharedStateId,
                UrpcTables = which is "all" or Fig1Settings.UrpcTablesId,
            };
            exit = Fig1Run.Execute(settings, stdout, stderr, cancel);
            return exit;
        });

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) stderr.WriteLine($"fig1: {e.Message}");
            stderr.WriteLine("fig1: run with --help for the options and their allowed values");
            return BadInput;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    static string Describe(string profile) =>
        $"{Profiles[profile].Iterations} timed ops x {Profiles[profile].Repetitions} repetitions per thread";

    /// <summary>An optional whole-number option with a range; a bad value names the option, the value and the range.</summary>
    static Option<int?> IntOption(string name, string description, int min, int max) => new(name)
    {
        Description = $"{description}; {min} to {max}",
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v))
            {
                r.AddError($"{name}: '{text}' is not a whole number; allowed: {min} to {max}");
                return null;
            }
            if (v < min || v > max)
            {
                r.AddError($"{name}: {v} is out of range; allowed: {min} to {max}");
                return null;
            }
            return v;
        },
    };
}

using System.CommandLine;
using System.Globalization;
using Experiments.Common;
using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>
/// The command line of the fig3 program. Bad values end with a message naming the option, what was wrong and what is
/// allowed, and exit code <see cref="BadInput"/>.
/// </summary>
public static class Fig3Cli
{
    public const int BadInput = 2;

    /// <summary>Sizes of the three profiles: timed operations per repetition, and repetitions per point.</summary>
    public static readonly IReadOnlyDictionary<string, (int Iterations, int Repetitions)> Profiles = new Dictionary<string, (int, int)>
    {
        ["quick"] = (200, 11),
        ["default"] = (1_000, 101),
        ["full"] = (2_000, 301),
    };

    const int MinIterations = 10, MaxIterations = 10_000_000, MaxRepetitions = 10_000;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var allowed = CoreList.Allowed();
        var cores = new Option<string>("--cores")
        {
            Description = $"Cores to use, a list or ranges such as 0-3,8 or 'all' (default: all allowed, here {CoreList.Format(allowed)}). " +
                          "The first core initiates every shootdown and unmap and runs the Linux baselines' measuring thread; a sweep over k cores uses the first k.",
            DefaultValueFactory = _ => "all",
        };
        cores.Validators.Add(r =>
        {
            try { CoreList.Parse(r.GetValueOrDefault<string>() ?? "", allowed); }
            catch (FormatException e) { r.AddError(e.Message); }
        });
        var iterations = IntOption("--iterations", "Timed operations (shootdowns, unmaps, mprotect or munmap calls) per repetition (default: set by the profile)", MinIterations, MaxIterations);
        var repetitions = IntOption("--repetitions", "Repetitions per point; each gives one sample, the median of its timed operations (default: set by the profile)", 1, MaxRepetitions);
        var group = new Option<string>("--group")
        {
            Description = "What a multicast group is: 'package' (as in the paper), 'l3' (shared L3 domain) or a whole number n (groups of n consecutive cores: a modelled hierarchy for a flat machine) (default: package)",
            DefaultValueFactory = _ => "package",
        };
        group.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (!RoutingGrouping.TryParse(v, out _)) r.AddError($"--group: '{v}' is not a grouping; allowed: package, l3, or a whole number of cores from 1 up");
        });
        var outDir = new Option<string>("--out")
        {
            Description = $"Run folder; results go to <out>/{Fig3Settings.ExperimentId} (default: Results/<host>-<timestamp>)",
        };
        outDir.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(v)) r.AddError("--out: the run folder must not be empty");
            else if (File.Exists(v)) r.AddError($"--out: '{v}' is a file; give a folder (it is created if missing)");
        });
        var quick = new Option<bool>("--quick") { Description = $"Small sweep for a smoke test ({Describe("quick")}; core counts 1, 2, 4, ...)" };
        var full = new Option<bool>("--full") { Description = $"Large sweep for publication ({Describe("full")})" };

        var root = new RootCommand(
            "Paper Figs 6-7: TLB shootdown latency of the four protocols (broadcast, unicast, multicast, NUMA-aware multicast) over the monitors' URPC " +
            $"channels, and end-to-end unmap latency against the host's real mprotect/munmap, on real pinned cores. Default size: {Describe("default")}.");
        foreach (var o in new Option[] { cores, iterations, repetitions, group, outDir, quick, full }) root.Options.Add(o);
        root.Validators.Add(r =>
        {
            if (r.GetValue(quick) && r.GetValue(full))
                r.AddError($"--quick and --full cannot be combined: choose one profile (quick: {Describe("quick")}; full: {Describe("full")}; neither: {Describe("default")})");
        });

        root.SetAction(pr =>
        {
            string profile = pr.GetValue(quick) ? "quick" : pr.GetValue(full) ? "full" : "default";
            var (defIter, defReps) = Profiles[profile];
            RoutingGrouping.TryParse(pr.GetValue(group), out var grouping);
            var settings = new Fig3Settings
            {
                Cores = CoreList.Parse(pr.GetValue(cores) ?? "all", allowed),
                Size = SweepSize.For(pr.GetValue(iterations) ?? defIter, pr.GetValue(repetitions) ?? defReps),
                Grouping = grouping,
                OutDir = pr.GetValue(outDir) ?? Path.Combine("Results", $"{Environment.MachineName}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                Profile = profile,
            };
            return Fig3Run.Execute(settings, stdout, stderr, cancel);
        });

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) stderr.WriteLine($"fig3: {e.Message}");
            stderr.WriteLine("fig3: run with --help for the options and their allowed values");
            return BadInput;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    static string Describe(string profile) =>
        $"{Profiles[profile].Iterations} timed ops x {Profiles[profile].Repetitions} repetitions per point";

    /// <summary>An optional whole-number option with a range; a bad value names the option, the value and the range.</summary>
    static Option<int?> IntOption(string name, string description, int min, int max) => new(name)
    {
        Description = $"{description}; {min} to {max}",
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
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

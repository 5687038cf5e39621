using System.CommandLine;
using System.CommandLine.Parsing;
using Compute.Runtimes;
using Compute.Sweep;
using Experiments.Common;
using Npb;

namespace Compute.Cli;

/// <summary>
/// The command line of the compute experiment (paper Fig 9: NAS CG, FT, IS and SPLASH-2 BARNES and RADIOSITY on the
/// multikernel's threads and on host threads). A bad value ends with a message naming the option, what was wrong and
/// what is allowed, and exit code 2 (<see cref="ExitCode.BadInput"/>). Other exit codes: 0 every point verified,
/// 1 a point failed or failed its checks, 130 interrupted (results so far are kept, meta.json says what is missing).
/// </summary>
public static class ComputeCommand
{
    public const int MaxRepetitions = 1000;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var allowed = CoreList.Allowed();
        var bench = new Option<string>("--bench")
        {
            Description = $"Benchmarks to run, comma-separated: {string.Join(", ", ComputeProfile.Benchmarks)} (default: all)",
            DefaultValueFactory = _ => string.Join(",", ComputeProfile.Benchmarks),
        };
        bench.Validators.Add(r => Check(r, ComputeArguments.ParseBenchmarks));
        var cls = new Option<string?>("--class")
        {
            Description = $"NPB problem class for cg, ft, is: S, W, A or B (default: set by the profile: {ProfileDefaults(ComputeProfile.Class)})",
        };
        cls.Validators.Add(r => Check(r, ComputeArguments.ParseClass));
        var cores = ExperimentOptions.Cores(allowed, "Cores to use", "0-7",
            "The sweep uses the first k listed cores for k in 1, 2, 3, 4, 6, ... (1, 2, 4, ... with --quick) and the total.");
        var runtime = new Option<string>("--runtime")
        {
            Description = $"Runtimes, comma-separated: {ComputeArguments.AllowedRuntimes} (default: all)",
            DefaultValueFactory = _ => "all",
        };
        runtime.Validators.Add(r => Check(r, ComputeArguments.ParseRuntimes));
        var reps = ExperimentOptions.Int("--repetitions",
            $"Timed runs per point; the median and its 95% CI are reported (default: set by the profile: {ProfileDefaults(ComputeProfile.Repetitions)})",
            1, MaxRepetitions);
        var outDir = ExperimentOptions.OutDir(PointRows.Experiment);
        var profiles = new ProfileOptions(
            $"Short run: {ComputeProfile.Describe("quick")}; core counts 1, 2, 4, ...",
            $"Many-core server run: {ComputeProfile.Describe("full")}",
            ComputeProfile.Describe);

        var root = new RootCommand(
            "Paper Fig 9: NAS CG, FT, IS (verified against the official values) and SPLASH-2 BARNES and RADIOSITY (verified against the " +
            $"original programs' results) on the multikernel's threads and on host threads, swept over cores. Default size: {ComputeProfile.Describe("default")}.");
        foreach (var o in new Option[] { bench, cls, cores, runtime, reps, outDir, profiles.Quick, profiles.Full }) root.Options.Add(o);
        profiles.AddCheckTo(root);
        root.Validators.Add(r =>
        {
            // --class sizes the NAS benchmarks only: given with none of them selected it would be ignored.
            // Without --bench every benchmark runs (its default is not applied yet when this runs).
            // An option given twice has an error of its own (reported by the parser); reading its value would throw.
            if (Parsed(() => r.GetValue(cls)) is null || Parsed(() => r.GetValue(bench)) is not { } benches) return;
            string[] names;
            try { names = ComputeArguments.ParseBenchmarks(benches); }
            catch (FormatException) { return; } // --bench's own validator reports it
            if (!names.Any(NpbSuite.Names.Contains))
                r.AddError($"--class: applies to the NAS benchmarks ({string.Join(", ", NpbSuite.Names)}) only, and --bench '{benches}' selects none of them; " +
                           "drop --class or add one of them to --bench");
        });

        root.SetAction(pr =>
        {
            string profile = profiles.Chosen(pr);
            var settings = new ComputeSettings(
                ComputeArguments.ParseBenchmarks(pr.GetValue(bench)!),
                pr.GetValue(cls) is { } c ? ComputeArguments.ParseClass(c) : ComputeProfile.Class(profile),
                CoreList.Parse(pr.GetValue(cores) ?? "all", allowed),
                ComputeArguments.ParseRuntimes(pr.GetValue(runtime)!),
                pr.GetValue(reps) ?? ComputeProfile.Repetitions(profile),
                pr.GetValue(outDir) ?? ExperimentOptions.DefaultRunFolder(),
                profile);
            // Before anything runs: the folder exists, is writable, and holds no earlier run's compute results.
            if (!ExperimentOptions.RunFolderReady(settings.OutDir, [PointRows.Experiment], "compute", stderr)) return ExitCode.BadInput;
            return new ComputeSweep(settings, stdout, stderr).Run(cancel);
        });
        return ExperimentOptions.ParseAndInvoke(root, args, "compute", stdout, stderr);
    }

    /// <summary>A setting's value in each profile, as help text: "A; S with --quick, B with --full".</summary>
    static string ProfileDefaults<T>(Func<string, T> ofProfile) =>
        $"{ofProfile("default")}; {ofProfile("quick")} with --quick, {ofProfile("full")} with --full";

    /// <summary>An option's value in a validator, or null when the option has an error of its own (given twice): its
    /// value then cannot be read (System.CommandLine throws), and the parser reports that error.</summary>
    static string? Parsed(Func<string?> value)
    {
        try { return value(); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>Runs a parser on the option's value, turning a FormatException into a parse error.</summary>
    static void Check<T>(OptionResult r, Func<string, T> parse)
    {
        string? text = r.Tokens.Count > 0 ? r.Tokens[0].Value : r.GetValueOrDefault<string>();
        if (text is null) return;
        try { parse(text); }
        catch (FormatException e) { r.AddError(e.Message); }
    }
}

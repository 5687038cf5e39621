using System.CommandLine;
using Experiments.Common;

namespace Fig1.SharedState;

/// <summary>
/// The command line of the fig1 program. Bad values end with a message naming the option, what was wrong and what is
/// allowed, and exit code <see cref="ExitCode.BadInput"/>.
/// </summary>
public static class Fig1Cli
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var commandLine = new SweepCommandLine("fig1", "The first core hosts the MSG server; a sweep over k cores uses the first k.",
            new SweepSizeOptions(SweepSize.Profiles, "per thread", "Timed operations per thread (or client) per repetition (default: set by the profile)",
                "Repetitions per point; each thread or client gives one sample per repetition (default: set by the profile)"),
            Fig1Settings.SharedStateId, Fig1Settings.UrpcTablesId);
        var window = ExperimentOptions.Int("--window", $"Requests each client keeps in flight in the pipelined MSG variant (default 8)", 1, UpdateProtocol.MaxWindow);
        var native = new Option<string>("--native")
        {
            Description = "The C twin of the SHM and MSG points (Benchmarks/native/fig1_twin, built by Benchmarks/native/build.sh), run on the same cores interleaved with each such point (blocks of repetitions: C, then C#) for the C#/C ratio; " +
                          "'none' runs without it (default: the repository's, built with gcc when missing; without gcc the run has no C rows and says so)",
        };
        native.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(v)) r.AddError("--native: give the path of a built fig1_twin, or 'none'");
            else if (v != "none" && Directory.Exists(v)) r.AddError($"--native: '{v}' is a folder; give the path of a built fig1_twin (Benchmarks/native/build.sh fig1_twin PATH builds one), or 'none'");
            else if (v != "none" && !File.Exists(v)) r.AddError($"--native: '{v}' does not exist; build it with Benchmarks/native/build.sh fig1_twin PATH, or pass 'none'");
        });
        // The folders this program writes, as the experiment registry lists them.
        string[] experiments = ["all", .. ExperimentRegistry.OfProgram(Fig1Settings.Program).Select(e => e.Folder)];
        var experiment = new Option<string>("--experiment")
        {
            Description = $"Which experiment to run: {string.Join(", ", experiments)} (default: all)",
            DefaultValueFactory = _ => "all",
        };
        experiment.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (!experiments.Contains(v)) r.AddError($"--experiment: '{v}' is not an experiment of this program; allowed: {string.Join(", ", experiments)}");
        });

        var root = commandLine.Root(
            $"{ExperimentRegistry.Get(Fig1Settings.SharedStateId).Title} (SHMn vs MSGn vs the server, with host lock baselines and a C twin), and " +
            $"{ExperimentRegistry.Get(Fig1Settings.UrpcTablesId).Title} (same-core LRPC, URPC between cores), on real pinned cores. Default size: {commandLine.Size.Describe("default")}.",
            window, native, experiment);

        root.SetAction(pr =>
        {
            string which = pr.GetValue(experiment)!;
            string? nativePath = pr.GetValue(native);
            NativeTwin? twin = null;
            string twinNote;
            bool sharedState = which is "all" or Fig1Settings.SharedStateId;
            if (nativePath == "none") twinNote = "C twin not run (--native none)";
            else if (!sharedState) twinNote = "C twin not needed (no fig1-shared-state points)";
            else
            {
                twin = NativeTwin.Locate(nativePath, stderr, out string why);
                if (twin == null && nativePath != null)
                {
                    stderr.WriteLine($"fig1: --native: {why}");
                    return ExitCode.BadInput;
                }
                twinNote = twin != null
                    ? $"C twin: {twin.Binary} ({twin.Label}), run on the same cores interleaved with each SHM and MSG point in blocks of repetitions (each block: C, then C#); C rows have Param impl=c, C#/C ratio rows Metric cycles_ratio"
                    : $"C twin not run: {why}";
            }
            var settings = new Fig1Settings(commandLine.Chosen(pr))
            {
                Window = pr.GetValue(window) ?? 8,
                Twin = twin,
                TwinNote = twinNote,
                SharedState = sharedState,
                UrpcTables = which is "all" or Fig1Settings.UrpcTablesId,
            };
            var written = experiments.Skip(1).Where(f => which == "all" || f == which);
            if (!commandLine.RunFolderReady(settings.OutDir, written, stderr)) return ExitCode.BadInput;
            return Fig1Run.Execute(settings, stdout, stderr, cancel);
        });

        return commandLine.Invoke(root, args, stdout, stderr);
    }
}

using System.CommandLine;
using Experiments.Common;
using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>
/// The command line of the fig3 program. Bad values end with a message naming the option, what was wrong and what is
/// allowed, and exit code <see cref="BadInput"/>.
/// </summary>
public static class Fig3Cli
{
    public const int BadInput = ExitCode.BadInput;

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
        var cores = ExperimentOptions.Cores(allowed, "Cores to use", "0-3,8",
            "The first core initiates every shootdown and unmap and runs the Linux baselines' measuring thread; a sweep over k cores uses the first k.");
        var size = new SweepSizeOptions(Profiles, "per point", "Timed operations (shootdowns, unmaps, mprotect or munmap calls) per repetition (default: set by the profile)", MinIterations, MaxIterations,
            "Repetitions per point; each gives one sample, the median of its timed operations (default: set by the profile)", MaxRepetitions);
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
        var mmu = new Option<string>("--mmu")
        {
            Description = "Which multikernel series to measure: 'hardware' (one process per core, each changing its own page table with mprotect: rows with mmu=hardware), " +
                          "'modelled' (one thread per core, software TLBs: mmu=modelled) or 'both' (default: both)",
            DefaultValueFactory = _ => "both",
        };
        mmu.Validators.Add(r =>
        {
            string? v = r.GetValueOrDefault<string>();
            if (ParseMmu(v) == null) r.AddError($"--mmu: '{v}' is not allowed; allowed: hardware, modelled, both");
        });
        var outDir = ExperimentOptions.OutDir(Fig3Settings.ExperimentId);

        var root = new RootCommand(
            $"{ExperimentRegistry.Get(Fig3Settings.ExperimentId).Title}: TLB shootdown latency of the four protocols (broadcast, unicast, multicast, NUMA-aware multicast) over the monitors' URPC " +
            $"channels, and end-to-end unmap latency against the host's real mprotect/munmap, on real pinned cores. Default size: {size.Describe("default")}.");
        foreach (var o in new Option[] { cores, size.Iterations, size.Repetitions, group, mmu, outDir, size.Profiles.Quick, size.Profiles.Full }) root.Options.Add(o);
        size.Profiles.AddCheckTo(root);

        root.SetAction(pr =>
        {
            var (profile, iterations, repetitions) = size.Chosen(pr);
            RoutingGrouping.TryParse(pr.GetValue(group), out var grouping);
            var settings = new Fig3Settings
            {
                Cores = CoreList.Parse(pr.GetValue(cores) ?? "all", allowed),
                Size = SweepSize.For(iterations, repetitions),
                Grouping = grouping,
                OutDir = pr.GetValue(outDir) ?? ExperimentOptions.DefaultRunFolder(),
                Profile = profile,
                Mmu = ParseMmu(pr.GetValue(mmu))!.Value,
            };
            if (!ExperimentOptions.RunFolderReady(settings.OutDir, [Fig3Settings.ExperimentId], "fig3", stderr)) return ExitCode.BadInput;
            return Fig3Run.Execute(settings, stdout, stderr, cancel);
        });

        return ExperimentOptions.ParseAndInvoke(root, args, "fig3", stdout, stderr);
    }

    static MmuSeries? ParseMmu(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "hardware" => MmuSeries.Hardware,
        "modelled" or "modeled" => MmuSeries.Modelled,
        "both" => MmuSeries.Both,
        _ => null,
    };
}

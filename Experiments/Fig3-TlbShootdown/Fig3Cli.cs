using System.CommandLine;

namespace Fig3.TlbShootdown;

/// <summary>
/// The command line of the fig3 program. Bad values end with a message naming the option, what was wrong and what is
/// allowed, and exit code <see cref="ExitCode.BadInput"/>.
/// </summary>
public static class Fig3Cli
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var commandLine = new SweepCommandLine("fig3",
            "The first core initiates every shootdown and unmap and runs the Linux baselines' measuring thread; a sweep over k cores uses the first k.",
            new SweepSizeOptions(SweepSize.Profiles, "per point", "Timed operations (shootdowns, unmaps, mprotect or munmap calls) per repetition (default: set by the profile; the cross-core capability points run a tenth, 10 to 200)",
                "Repetitions per point; each gives one sample, the median of its timed operations (default: set by the profile; the capability points run at most 21 cross-core, 31 local)"),
            Fig3Settings.ExperimentId);
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

        var root = commandLine.Root(
            $"{ExperimentRegistry.Get(Fig3Settings.ExperimentId).Title}: TLB shootdown latency of the four protocols (broadcast, unicast, multicast, NUMA-aware multicast) over the monitors' URPC " +
            $"channels, and end-to-end unmap latency against the host's real mprotect/munmap, on real pinned cores. Default size: {commandLine.Size.Describe("default")}.",
            group, mmu);

        root.SetAction(pr =>
        {
            RoutingGrouping.TryParse(pr.GetValue(group), out var grouping);
            var settings = new Fig3Settings(commandLine.Chosen(pr)) { Grouping = grouping, Mmu = ParseMmu(pr.GetValue(mmu))!.Value };
            if (!commandLine.RunFolderReady(settings.OutDir, [Fig3Settings.ExperimentId], stderr)) return ExitCode.BadInput;
            return Fig3Run.Execute(settings, stdout, stderr, cancel);
        });

        return commandLine.Invoke(root, args, stdout, stderr);
    }

    internal static MmuSeries? ParseMmu(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "hardware" => MmuSeries.Hardware,
        "modelled" or "modeled" => MmuSeries.Modelled,
        "both" => MmuSeries.Both,
        _ => null,
    };
}

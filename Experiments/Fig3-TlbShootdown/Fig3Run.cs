namespace Fig3.TlbShootdown;

/// <summary>
/// Runs the sweep point by point. After each point its rows are on disk (results.csv) and meta.json lists the points
/// still missing; a cancellation (Ctrl-C) stops before the next point and leaves the run marked incomplete.
/// Exit codes: 0 done and every check passed, 1 a correctness check or a point failed, 130 interrupted.
/// </summary>
public static class Fig3Run
{
    public static int Execute(Fig3Settings s, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var start = MachineAtStart.Measure();
        string groups = TlbSweep.DescribeGroups(s.Cores, s.Grouping, start.Topology);
        stderr.WriteLine($"fig3: {start.Describe(s.Cores)}; " +
                         $"profile {s.Profile}: {s.Size.Iterations} timed ops x {s.Size.Repetitions} repetitions per point, {s.Size.Warmup} warm-up ops per repetition; " +
                         $"multicast groups by {s.Grouping}: {groups}; output {Path.GetFullPath(s.OutDir)}");

        var meta = RunMeta.Describe(Fig3Settings.ExperimentId, s.Cores, s.Profile);
        meta.PollBudgetCycles["cpu-driver"] = ShootdownWorkload.WaitPolicy.PollCycles;
        meta.Notes.Add($"multikernel series measured: {s.Mmu switch { MmuSeries.Hardware => "mmu=hardware (process mode) only", MmuSeries.Modelled => "mmu=modelled (thread mode) only", _ => "mmu=hardware (process mode) and mmu=modelled (thread mode)" }}");
        meta.Notes.AddRange(
        [
            $"iterations={s.Size.Iterations}; repetitions={s.Size.Repetitions}; warmup={s.Size.Warmup} untimed ops before each repetition; one sample = median latency of one repetition's timed ops",
            start.ClockNote + "; not subtracted",
            start.LoadNote,
            $"multicast groups by {s.Grouping} over the chosen cores: {groups}",
            "multikernel rows with mmu=modelled (Broadcast, Unicast, Multicast, NUMA-aware multicast, Multikernel unmap; thread mode): modelled TLB, real messages. Each core's TLB is a software " +
            "translation cache consulted by the VM API on that core; a shootdown is a real one-phase URPC message round between cores pinned one thread each " +
            $"(CPU drivers polling: {ShootdownWorkload.WaitPolicy}), but invalidating a software TLB entry is not a hardware TLB flush. Every core's TLB caches the " +
            "page before the run, so the first shootdown of a point removes real entries; later ones find the entry already gone (a tag compare either way).",
            "URPC placement: every monitor binding ring sits on its receiver's NUMA node (so multicast aggregators receive on their own node); plain Multicast " +
            "therefore differs from NUMA-aware multicast here only in send order (most distant first), not in buffer placement as in the paper. On a one-node machine placement has no effect.",
            "multikernel rows with mmu=hardware (the same series, process mode): real page tables. Each core is an OS process of its own, confined to its core from exec on (its launching " +
            "thread's affinity), so its page table is loaded by that core alone; a domain's page is one shared frame mapped at the same address in each core process. A page-table change " +
            "is the core's own mprotect (a real PTE change and a local TLB flush by the host kernel, with no IPI needed); the shootdown tells every other core's monitor by URPC, which " +
            "applies the same change to its own page table and acks. Each core checks after each change, through a pipe (EFAULT, no fault taken), that its page is inaccessible or writable as it should be. " +
            $"The point's note gives the TLB-shootdown interrupts the participating cores received. Startup of the core processes per boot: meta.json coreProcessStartupMs. The CPU drivers poll ({ShootdownWorkload.WaitPolicy}).",
            "Linux rows (Linux mprotect, Linux munmap): real. The Linux kernel updates its page tables and shoots down the TLBs of the other cores running this " +
            "process with real IPIs and hardware TLB invalidations; k-1 host threads pinned to the other cores keep reading a shared region so those cores run the process.",
        ]);
        if (s.Grouping.Kind != RoutingGroupKind.FixedSize && groups.StartsWith("1 group", StringComparison.Ordinal))
            meta.Notes.Add($"the chosen cores form one {s.Grouping} group: multicast and NUMA-aware multicast have no aggregator to use and route like unicast (pass --group N to model groups of N cores)");
        var points = TlbSweep.Plan(s, meta);
        var rec = new ExperimentRecorder(Path.Combine(s.OutDir, Fig3Settings.ExperimentId), meta, points.Select(p => p.Name));
        if (s.Cores.Length < 2)
        {
            const string why = "Broadcast, Unicast, Multicast and NUMA-aware multicast skipped: a shootdown protocol needs a core besides the initiator, and --cores gives only 1 core (Multikernel unmap, Linux mprotect and Linux munmap are measured on it: local page-table update and TLB flush only)";
            stderr.WriteLine($"fig3: {why}");
            rec.AddNote(why);
        }
        else
            rec.AddNote("at cores=1 the four shootdown protocols are not measured: with no remote core they have nothing to send (Multikernel unmap, Linux mprotect and Linux munmap are)");

        var (failed, interrupted) = Runner.Run(rec, points, stdout, stderr, cancel);
        return Runner.Conclude(failed, interrupted, rec.Directory, stdout, stderr);
    }

    /// <summary>The sweep loop; each row printed in its unit with its CI and, for cycles, nanoseconds (<see cref="SweepRunner.Line"/>).</summary>
    static readonly SweepRunner Runner = new() { Program = "fig3" };
}

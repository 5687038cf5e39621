using Multikernel.CoreProcesses;

namespace Fig3.TlbShootdown;

/// <summary>
/// The multikernel with real page tables, one core count k: boots one core process per core (process mode; each
/// monitor hosts the agreement protocol, whose TLB-shootdown apply step changes the core process's own page table),
/// maps the domain's two pages at the same address in every core process (one shared frame each; the first core
/// writes a marker, the others must read it), then runs a <see cref="HardwareShootdownLoop"/> on the first core over
/// the given series, interleaved by repetition: shootdowns and unmaps (1PCs of a page-table change), and 1PC and 2PC
/// updates of the replicated domain-placement table.
/// <para>Checks afterwards: every operation completed once and no 2PC aborted; every other core applied exactly the
/// changes it should have (two per operation of every shootdown and unmap series: the PROT_NONE and its restore) to
/// its own page table and found after each, through a pipe (EFAULT, no fault taken), that its page was inaccessible
/// after the PROT_NONE and writable after the restore; the first core's own checks of the unmap series passed;
/// nothing is in flight, prepared or locked on any core; every core's replica of the system tables is equal, and the
/// first core's lists the toggled rows as the loop left them. The TLB-shootdown interrupts the participating cores
/// received during the loop (/proc/interrupts, from any process) go into the facts.</para>
/// </summary>
public static class HardwareShootdownWorkload
{
    public static HardwarePoint Run(int[] cores, ShootdownSeries[] series, RoutingGrouping grouping, SweepSize size)
    {
        int k = cores.Length;
        if (k < 2 && series.Any(s => s.Kind != SeriesKind.Unmap)) throw new ArgumentException("a shootdown protocol or an agreement needs at least one core besides the initiator", nameof(cores));
        int n = series.Length, reps = size.Repetitions;
        // The result block grows with series x repetitions (2 MB at the command line's 10,000): it lies in the
        // initiator's arena, which is that much larger than the default.
        var resultBytes = (nuint)(8L * HardwareShootdownLoop.Layout.Words(n, reps));
        using var mk = MultikernelSystem.Boot(new MultikernelOptions
        {
            Cores = cores,
            ArenaBytesPerCore = new MultikernelOptions().ArenaBytesPerCore + (long)resultBytes,
            Mode = BootMode.ProcessPerCore,
            Program = Fig3CoreProgram.Instance,
            WaitPolicy = ShootdownWorkload.WaitPolicy,
            Grouping = grouping,
            Agreement = ShootdownWorkload.Timeouts(),
        });
        var region = mk.Region!;
        long frames = region.AllocateFrames(Fig3CoreProgram.Pages);
        for (int c = 0; c < k; c++) Wait(mk, mk.RequestAsync(c, Fig3CoreProgram.MapRequest, new CoreArgs((ulong)frames, c == 0 ? 1UL : 0)), $"core #{c} to map the domain's pages");

        var result = region.AllocateBlock(0, resultBytes);
        for (int i = 0; i < n; i++) result.Write(HardwareShootdownLoop.Layout.SeriesAt + i, Fig3CoreProgram.EncodeSeries(series[i]));
        var before = TlbShootdownInterrupts.Snapshot();
        var loop = mk.RequestAsync(0, Fig3CoreProgram.LoopRequest, new CoreArgs(
            (ulong)result.Offset, (ulong)n, (uint)size.Iterations | (ulong)(uint)reps << 32, (ulong)size.Warmup, (ulong)k));
        ProgressWait.Until(time => WaitUpTo(mk, loop, time, "the initiator's loop"),
            () => result.Read(HardwareShootdownLoop.Layout.Completed), "the initiator's loop", ShootdownWorkload.Stall, hint: OperationLoopRun.StallHint);
        loop.GetAwaiter().GetResult();
        var after = TlbShootdownInterrupts.Snapshot();

        var states = new CoreState[k];
        for (int c = 0; c < k; c++)
        {
            var text = region.AllocateHostBlock(2 * Fig3CoreProgram.StateTextBytes);
            var w = Wait(mk, mk.RequestAsync(c, Fig3CoreProgram.StateRequest, new CoreArgs((ulong)text.Offset)), $"core #{c}'s counts");
            states[c] = CoreState.FromAnswer(w, Fig3CoreProgram.ReadText(text, 0), Fig3CoreProgram.ReadText(text, Fig3CoreProgram.StateTextBytes / 8));
        }
        long completed = result.Read(HardwareShootdownLoop.Layout.Completed);
        string loopFailure = Fig3CoreProgram.ReadText(result, HardwareShootdownLoop.Layout.Text(n, reps));
        var samples = new double[n][];
        var disturbed = new bool[n][];
        for (int i = 0; i < n; i++)
        {
            // Only the batches that ended: a loop that failed part-way left NaN where it measured nothing.
            var ended = Enumerable.Range(0, reps).Where(r => !double.IsNaN(result.Doubles(HardwareShootdownLoop.Layout.Sample(n, reps, i, r), 1)[0])).ToArray();
            samples[i] = ended.Select(r => result.Doubles(HardwareShootdownLoop.Layout.Sample(n, reps, i, r), 1)[0]).ToArray();
            disturbed[i] = ended.Select(r => result.Read(HardwareShootdownLoop.Layout.Disturbed(n, reps, i, r)) != 0).ToArray();
        }
        mk.Shutdown();

        long opsPerSeries = size.TotalOps;
        long expected = opsPerSeries * n;
        long translationOps = opsPerSeries * series.Count(s => s.Kind is SeriesKind.Shootdown or SeriesKind.Unmap);
        long unmapOps = opsPerSeries * series.Count(s => s.Kind == SeriesKind.Unmap);
        string? failure = loopFailure.Length > 0 ? loopFailure : Verify(states, completed, expected, translationOps, unmapOps);
        long changes = 2 * translationOps;
        string irq = TlbShootdownInterrupts.Describe(before, after, cores,
            $"{expected} operations ({changes} page-table changes by shootdown: each shootdown's and unmap's PROT_NONE and its restore)", "the participating cores")
            + PerChange(before, after, cores, changes);

        string seriesNames = string.Join(", ", series.Select(x => x.Name + (x.Kind is SeriesKind.OnePhase or SeriesKind.TwoPhase ? $"/{TlbSweep.Name(x.Protocol)}" : "")));
        return new HardwarePoint(series.Select((s, i) => new LatencySamples
        {
            Cycles = samples[i],
            Disturbed = disturbed[i],
            Failure = failure,
            // A failed run claims none of the passing run's checks, nor an interrupt rate over calls it may not have made.
            Facts = (failure == null
                ? $"{expected} operations in this boot of {k} core process(es) ({seriesNames}, interleaved by repetition), each completed once, no 2PC aborted; " +
                    $"every other core applied {(k > 1 ? states[1].Changes : 0)} changes to its own page table, each a 1PC apply step, and its checks after each ack passed (inaccessible after PROT_NONE, writable after the restore, probed through a pipe: EFAULT, no fault); " +
                    $"core {cores[0]}'s own checks of the unmap series passed ({states[0].Passed}); nothing in flight, prepared or locked afterwards; every core's replica of the system tables equal at the end; {irq}; "
                : $"{expected} operations planned in this boot of {k} core process(es) ({seriesNames}, interleaved by repetition); no check is claimed: the run failed (above); ") +
                    $"route from core {cores[0]}: {ShootdownWorkload.Describe(Routing.Build(s.Protocol, mk.Topology, cores, s.Kind == SeriesKind.Shootdown ? CoreSet.FirstN(k).Without(0) : CoreSet.FirstN(k), 0, grouping), cores)}",
        }).ToArray(), mk.StartupTime.TotalMilliseconds);
    }

    /// <summary>", 0.002 per change" for the participating cores together, or "" where the counts are unknown.</summary>
    internal static string PerChange(Dictionary<int, long>? before, Dictionary<int, long>? after, int[] cores, long changes)
    {
        if (before == null || after == null || changes == 0) return "";
        long sum = 0;
        foreach (int c in cores)
        {
            if (!before.TryGetValue(c, out long b) || !after.TryGetValue(c, out long a)) return "";
            sum += a - b;
        }
        return $" ({sum} in all, {(double)sum / changes:G3} per page-table change)";
    }

    /// <summary>One core's counts after the loop (see <see cref="Fig3CoreProgram.StateRequest"/>).</summary>
    internal readonly record struct CoreState(long Applied, long Changes, long Passed, long Failed, int Active, int Prepared, int Locks, string FirstFailure, string Tables)
    {
        /// <summary>A core's answer to the state request (its busy word as <see cref="Fig3CoreProgram.Busy"/> packs it) and its two texts.</summary>
        internal static CoreState FromAnswer(CoreArgs w, string firstFailure, string tables) =>
            new((long)w.W0, (long)w.W1, (long)w.W2, (long)w.W3, (int)(ushort)w.W4, (int)(ushort)(w.W4 >> 16), (int)(ushort)(w.W4 >> 32), firstFailure, tables);
    }

    /// <summary>
    /// The run's accounting: null when no page-table check failed, every operation completed, each remote core applied
    /// and checked two changes per shootdown and unmap operation and the first core two per unmap operation, nothing is
    /// in flight, prepared or locked, and every replica equals core 0's; else the first difference.
    /// </summary>
    internal static string? Verify(CoreState[] states, long completed, long expected, long translationOps, long unmapOps)
    {
        for (int c = 0; c < states.Length; c++)
            if (states[c].FirstFailure.Length > 0) return $"a page-table check failed: core #{c}: {states[c].FirstFailure}";
        if (completed != expected) return $"{completed} operations completed, expected {expected}";
        // Remote cores take part in every shootdown and unmap series: two changes per operation, each applied and checked.
        for (int c = 1; c < states.Length; c++)
        {
            var s = states[c];
            if (s.Applied != 2 * translationOps) return $"core #{c}'s monitor applied {s.Applied} TLB updates, expected {2 * translationOps}";
            if (s.Changes != 2 * translationOps) return $"core #{c} applied {s.Changes} page-table changes, expected {2 * translationOps}";
            if (s.Passed != 2 * translationOps || s.Failed != 0) return $"core #{c}: {s.Passed} checks passed and {s.Failed} failed, expected {2 * translationOps} passed";
        }
        for (int c = 0; c < states.Length; c++)
        {
            var s = states[c];
            if (s.Active != 0 || s.Prepared != 0 || s.Locks != 0) return $"core #{c} still has {s.Active} agreement(s) in flight, {s.Prepared} prepared, {s.Locks} lock(s)";
            if (s.Tables != states[0].Tables) return $"core #{c}'s replica of the system tables differs from core #0's: {s.Tables} vs {states[0].Tables}";
        }
        // The initiator applies and checks only the unmap series' changes (the shootdown series exclude it).
        var me = states[0];
        if (me.Applied != 2 * unmapOps || me.Changes != 2 * unmapOps || me.Passed != 2 * unmapOps || me.Failed != 0)
            return $"the first core applied {me.Applied} TLB updates and {me.Changes} changes and passed {me.Passed} checks ({me.Failed} failed), expected {2 * unmapOps} of each";
        return null;
    }

    /// <summary>One request to a core process: its answer, a <see cref="TimeoutException"/> after <see cref="ShootdownWorkload.Stall"/>, or at once the failure of a dead core.</summary>
    static T Wait<T>(MultikernelSystem mk, Task<T> task, string what)
    {
        mk.WaitFor(() => task.IsCompleted, ShootdownWorkload.Stall, what);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Waits up to <paramref name="time"/> for <paramref name="task"/>; true if it has completed. Throws at once the failure of a dead core.</summary>
    static bool WaitUpTo(MultikernelSystem mk, Task task, TimeSpan time, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        mk.WaitFor(() => task.IsCompleted || clock.Elapsed >= time, time + time, what);
        return task.IsCompleted;
    }
}

using System.Text;
using Multikernel;
using Multikernel.CoreProcesses;
using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>What a process-mode point measured beyond its samples: the boot's startup time and the facts the rows' notes give.</summary>
public sealed record HardwarePoint(LatencySamples[] Series, double StartupMs);

/// <summary>
/// The multikernel with real page tables, one core count k: boots one core process per core (process mode),
/// installs the shootdown service over each core's own page table, maps the domain's two pages at the same address
/// in every core process (one shared frame each; the first core writes a marker, the others must read it), then
/// runs a <see cref="HardwareShootdownLoop"/> on the first core over the given series, interleaved by repetition.
/// <para>Checks afterwards: every operation completed once; every other core served exactly the requests it should
/// have (two changes per operation of every series it takes part in), applied each, and found after each, through
/// a pipe (EFAULT, no fault taken), that its page was inaccessible after the unmap and writable after the restore;
/// the first core's own checks of the unmap series passed; nothing is in flight. The TLB-shootdown interrupts the
/// participating cores received during the loop (/proc/interrupts, from any process) go into the facts.</para>
/// </summary>
public static class HardwareShootdownWorkload
{
    static readonly TimeSpan Stall = TimeSpan.FromMinutes(10);

    public static HardwarePoint Run(int[] cores, ShootdownSeries[] series, RoutingGrouping grouping, SweepSize size)
    {
        int k = cores.Length;
        if (k < 2 && series.Any(s => !s.Unmap)) throw new ArgumentException("a shootdown protocol needs at least one core besides the initiator", nameof(cores));
        using var mk = MultikernelSystem.Boot(new MultikernelOptions
        {
            Cores = cores,
            Mode = BootMode.ProcessPerCore,
            Program = Fig3CoreProgram.Instance,
            WaitPolicy = ShootdownWorkload.WaitPolicy,
        });
        ShootdownInstallation.Install(mk, new ShootdownOptions { Grouping = grouping });
        var region = mk.Region!;
        long frames = region.AllocateFrames(Fig3CoreProgram.Pages);
        for (int c = 0; c < k; c++) Wait(mk, mk.RequestAsync(c, Fig3CoreProgram.MapRequest, new CoreArgs((ulong)frames, c == 0 ? 1UL : 0)), $"core #{c} to map the domain's pages");

        int n = series.Length, reps = size.Repetitions;
        var result = region.AllocateHostBlock((nuint)(8 * HardwareShootdownLoop.Layout.Words(n, reps)));
        var before = TlbShootdownInterrupts.Snapshot();
        var loop = mk.RequestAsync(0, Fig3CoreProgram.LoopRequest, new CoreArgs(
            (ulong)result.Offset, Fig3CoreProgram.EncodeSeries(series), (uint)size.Iterations | (ulong)(uint)reps << 32, (ulong)size.Warmup, (ulong)k));
        Wait(mk, loop, "the initiator's loop");
        var after = TlbShootdownInterrupts.Snapshot();

        const int TextBytes = 1024;
        var states = new CoreArgs[k];
        string? firstFailure = null;
        for (int c = 0; c < k; c++)
        {
            var text = region.AllocateHostBlock(TextBytes);
            states[c] = Wait(mk, mk.RequestAsync(c, Fig3CoreProgram.StateRequest, new CoreArgs((ulong)text.Offset, TextBytes)), $"core #{c}'s counts");
            if (firstFailure == null && text.Read(0) is > 0 and var len)
                firstFailure = $"core #{c}: " + Encoding.UTF8.GetString(text.ByteSpan(8, (int)len));
        }
        long completed = result.Read(HardwareShootdownLoop.Layout.Completed);
        var samples = new double[n][];
        var disturbed = new bool[n][];
        for (int i = 0; i < n; i++)
        {
            samples[i] = Enumerable.Range(0, reps).Select(r => result.Doubles(HardwareShootdownLoop.Layout.Sample(n, reps, i, r), 1)[0]).ToArray();
            disturbed[i] = Enumerable.Range(0, reps).Select(r => result.Read(HardwareShootdownLoop.Layout.Disturbed(n, reps, i, r)) != 0).ToArray();
        }
        mk.Shutdown();

        long opsPerSeries = size.TotalOps;
        long expected = opsPerSeries * n;
        long unmapOps = opsPerSeries * series.Count(s => s.Unmap);
        string? failure = Verify(states, completed, expected, unmapOps, firstFailure);
        long changes = 2 * expected;
        string irq = TlbShootdownInterrupts.Describe(before, after, cores, $"{expected} operations ({changes} page-table changes by shootdown: each operation's PROT_NONE and its restore)",
            "the participating cores") + PerChange(before, after, cores, changes);

        return new HardwarePoint(series.Select((s, i) => new LatencySamples
        {
            Cycles = samples[i],
            Disturbed = disturbed[i],
            Failure = failure,
            Facts = $"{expected} operations in this boot of {k} core process(es) ({string.Join(", ", series.Select(x => x.Name))}, interleaved by repetition), each completed once; " +
                    $"every other core applied {(k > 1 ? states[1].W1 : 0)} changes to its own page table and its checks after each ack passed (inaccessible after PROT_NONE, writable after the restore, probed through a pipe: EFAULT, no fault); " +
                    $"core {cores[0]}'s own checks of the unmap series passed ({states[0].W2}); {irq}; " +
                    $"route from core {cores[0]}: {ShootdownWorkload.Describe(Routing.Build(s.Protocol, mk.Topology, cores, s.Unmap ? CoreSet.FirstN(k) : CoreSet.FirstN(k).Without(0), 0, grouping), cores)}",
        }).ToArray(), mk.StartupTime.TotalMilliseconds);
    }

    /// <summary>", 0.002 per change" for the participating cores together, or "" where the counts are unknown.</summary>
    static string PerChange(Dictionary<int, long>? before, Dictionary<int, long>? after, int[] cores, long changes)
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

    static string? Verify(CoreArgs[] states, long completed, long expected, long unmapOps, string? firstFailure)
    {
        if (firstFailure != null) return $"a page-table check failed: {firstFailure}";
        if (completed != expected) return $"{completed} operations completed, expected {expected}";
        // Remote cores take part in every series: two changes per operation, each applied and checked.
        for (int c = 1; c < states.Length; c++)
        {
            var s = states[c];
            if (s.W0 != (ulong)(2 * expected)) return $"core #{c} served {s.W0} shootdown requests, expected {2 * expected}";
            if (s.W1 != (ulong)(2 * expected)) return $"core #{c} applied {s.W1} page-table changes, expected {2 * expected}";
            if (s.W2 != (ulong)(2 * expected) || s.W3 != 0) return $"core #{c}: {s.W2} checks passed and {s.W3} failed, expected {2 * expected} passed";
        }
        for (int c = 0; c < states.Length; c++)
            if (states[c].W4 != 0) return $"core #{c} still has {states[c].W4} shootdown(s) in flight";
        // The initiator applies and checks only the unmap series' changes (the others exclude it).
        var me = states[0];
        if (me.W1 != (ulong)(2 * unmapOps) || me.W2 != (ulong)(2 * unmapOps) || me.W3 != 0)
            return $"the first core applied {me.W1} changes and passed {me.W2} checks ({me.W3} failed), expected {2 * unmapOps} of each";
        return null;
    }

    static T Wait<T>(MultikernelSystem mk, Task<T> task, string what)
    {
        mk.WaitFor(() => task.IsCompleted, Stall, what);
        return task.GetAwaiter().GetResult();
    }
}

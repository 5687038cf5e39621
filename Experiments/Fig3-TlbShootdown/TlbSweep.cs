using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Monitor;

namespace Fig3.TlbShootdown;

/// <summary>
/// The points of the paper's Figs 6-7 (our fig3-tlb), for each core count k of the sweep (the first k chosen cores):
/// one multikernel point (one boot) measuring, interleaved, the four shootdown protocols (Fig 6, from k = 2) and the
/// end-to-end unmap (Fig 7, from k = 1); then the host's mprotect and munmap (Fig 7). At k = 1 the protocols have no
/// remote core to reach and are skipped.
/// </summary>
public static class TlbSweep
{
    public static readonly (string Series, RoutingProtocol Protocol)[] Protocols =
    [
        ("Broadcast", RoutingProtocol.Broadcast),
        ("Unicast", RoutingProtocol.Unicast),
        ("Multicast", RoutingProtocol.Multicast),
        ("NUMA-aware multicast", RoutingProtocol.NumaAwareMulticast),
    ];

    public const string MultikernelUnmap = "Multikernel unmap";
    public const string LinuxMprotect = "Linux mprotect";
    public const string LinuxMunmap = "Linux munmap";

    const string Hardware = "real page tables: every core is an OS process of its own, all its threads confined to that core from exec on, so its page table is loaded by that core alone " +
        "and the host kernel can flush the TLB locally, without an IPI; only the URPC region and the domain's frames are shared between the processes";

    const string Modelled = "modelled: each core's TLB is a software translation cache consulted by the VM API; the invalidation is a real URPC message round between pinned cores (each core drops the entry on its own core and acks), not a hardware TLB flush";

    /// <param name="meta">Where a process-mode point records its boot's startup time (<see cref="RunMeta.CoreProcessStartupMs"/>); null: nowhere.</param>
    public static List<PlannedPoint> Plan(Fig3Settings s, RunMeta? meta = null)
    {
        var points = new List<PlannedPoint>();
        var size = s.Size;
        string group = s.Grouping.ToString();
        foreach (int k in CoreList.SweepCounts(s.Cores.Length, quick: s.Profile == "quick"))
        {
            int[] cores = s.Cores[..k];
            string coreText = CoreList.Format(cores);
            double ops = size.TotalOps;
            var series = (k >= 2 ? Protocols.Select(p => new ShootdownSeries(p.Series, p.Protocol, Unmap: false)) : [])
                .Append(new ShootdownSeries(MultikernelUnmap, RoutingProtocol.NumaAwareMulticast, Unmap: true)).ToArray();
            if (s.Mmu.HasFlag(MmuSeries.Modelled)) points.Add(new PlannedPoint($"Multikernel cores={k}", ops * series.Length * (2 + k), () =>
            {
                var measured = ShootdownWorkload.Run(cores, series, s.Grouping, size);
                var rows = new List<ResultRow>();
                for (int i = 0; i < series.Length; i++)
                {
                    var x = series[i];
                    string param = $"mmu=modelled;protocol={Name(x.Protocol)};group={group};pages=1";
                    string sample = $"sample = median of {size.Iterations} back-to-back operations of one repetition ({size.Warmup} untimed before); " +
                                    $"all {series.Length} multikernel series of cores={k} run in one boot, interleaved by repetition in rotating order";
                    rows.Add(x.Unmap
                        ? RowFactory.Latency(x.Name, k, param, RowFactory.UnmapMetric, measured[i],
                            $"end-to-end unmap on core {cores[0]} of a page of a VSpace shared by a domain on cores {coreText}: clear the entry in the 4-level page table " +
                            (k > 1 ? "(real data in simulated physical memory), then a NUMA-aware multicast shootdown, until the last ack; "
                                   : "(real data in simulated physical memory) and drop it from the local TLB: no other core to reach; ") +
                            $"mapped again after each unmap, untimed; {sample}; {Modelled}")
                        : RowFactory.Latency(x.Name, k, param, RowFactory.ShootdownMetric, measured[i],
                            $"shootdown latency at the initiator (core {cores[0]}) from the start to the last ack, one page, participants: cores {coreText}; {sample}; {Modelled}"));
                }
                return rows;
            }));
            string hwPoint = $"Multikernel (processes) cores={k}";
            if (s.Mmu.HasFlag(MmuSeries.Hardware)) points.Add(new PlannedPoint(hwPoint, ops * series.Length * (4 + 2 * k), () =>
            {
                var measured = HardwareShootdownWorkload.Run(cores, series, s.Grouping, size);
                if (meta != null) meta.CoreProcessStartupMs[hwPoint] = Math.Round(measured.StartupMs, 1);
                var rows = new List<ResultRow>();
                string startup = $"the {k} core process(es) started in {measured.StartupMs:0} ms";
                for (int i = 0; i < series.Length; i++)
                {
                    var x = series[i];
                    string param = $"mmu=hardware;protocol={Name(x.Protocol)};group={group};pages=1";
                    string sample = $"sample = median of {size.Iterations} back-to-back operations of one repetition ({size.Warmup} untimed before); " +
                                    $"all {series.Length} series of cores={k} run in one boot of {k} core process(es), interleaved by repetition in rotating order; {startup}";
                    rows.Add(x.Unmap
                        ? RowFactory.Latency(x.Name, k, param, RowFactory.UnmapMetric, measured.Series[i],
                            $"end-to-end unmap on core {cores[0]} of a page of a domain mapped at the same address in the core processes of cores {coreText}: " +
                            "mprotect(PROT_NONE) of the initiator's own mapping (a real page-table change and a local TLB flush by the host kernel)" +
                            (k > 1 ? ", then a NUMA-aware multicast shootdown over URPC in which every other core process mprotects its own mapping and acks, until the last ack; "
                                   : "; no other core to reach; ") +
                            $"restored to read-write after each by a second shootdown, untimed; {sample}; {Hardware}")
                        : RowFactory.Latency(x.Name, k, param, RowFactory.ShootdownMetric, measured.Series[i],
                            $"shootdown latency at the initiator (core {cores[0]}) from the start to the last ack, one page: every other core process (cores {CoreList.Format(cores[1..])}) " +
                            "mprotects its own mapping of the page to PROT_NONE (a real page-table change and a local TLB flush) and acks; the initiator's own mapping is not changed; " +
                            $"restored after each by a second shootdown, untimed; {sample}; {Hardware}"));
                }
                return rows;
            }));
            points.Add(new PlannedPoint($"{LinuxMprotect} cores={k}", ops * (20 + 5 * k), () =>
            {
                var m = MprotectWorkload.Run(cores, size);
                return [RowFactory.Latency(LinuxMprotect, k, "call=mprotect;pages=1", RowFactory.UnmapMetric, m,
                    $"real: one mprotect(PROT_READ) syscall on a page of a {MprotectWorkload.RegionPages}-page region, timed on core {cores[0]} (P/Invoke included); " +
                    "the Linux kernel changes the page-table entry and flushes the TLB of every core running this process with real IPIs and hardware TLB invalidations; restored to read-write between samples, untimed; " +
                    $"sample = median of {size.Iterations} calls of one repetition")];
            }));
            points.Add(new PlannedPoint($"{LinuxMunmap} cores={k}", ops * (30 + 5 * k), () =>
            {
                var m = MunmapWorkload.Run(cores, size);
                return [RowFactory.Latency(LinuxMunmap, k, "call=munmap;pages=1", RowFactory.UnmapMetric, m,
                    $"real: one munmap syscall of a freshly mapped and written page, timed on core {cores[0]} (P/Invoke included; includes freeing the page); " +
                    "the Linux kernel removes the mapping and flushes the TLB of every core running this process with real IPIs; a fresh page is mapped before each sample, untimed; " +
                    $"sample = median of {size.Iterations} calls of one repetition")];
            }));
        }
        return points;
    }

    /// <summary>The protocol's name in result parameters, e.g. "numa-aware-multicast".</summary>
    public static string Name(RoutingProtocol p) => p switch
    {
        RoutingProtocol.Unicast => "unicast",
        RoutingProtocol.Broadcast => "broadcast",
        RoutingProtocol.Multicast => "multicast",
        RoutingProtocol.NumaAwareMulticast => "numa-aware-multicast",
        _ => p.ToString(),
    };

    /// <summary>How the chosen cores fall into multicast groups, e.g. "2 group(s): {0-3} {4-7}".</summary>
    public static string DescribeGroups(int[] cores, RoutingGrouping grouping, MachineTopology topology)
    {
        var groups = cores.Select((cpu, index) => (cpu, g: grouping.GroupOf(topology, index, cpu)))
            .GroupBy(x => x.g).Select(g => "{" + CoreList.Format(g.Select(x => x.cpu).ToArray()) + "}").ToList();
        return $"{groups.Count} group(s): {string.Join(' ', groups)}";
    }
}

namespace Fig3.TlbShootdown;

/// <summary>
/// The points of the paper's Figs 6-7 (our fig3-tlb), for each core count k of the sweep (the first k chosen cores):
/// a multikernel point (one boot) per MMU asked for (<see cref="MmuSeries"/>: software TLBs in thread mode, rows
/// mmu=modelled; real page tables in process mode, rows mmu=hardware), each measuring, interleaved, the four shootdown
/// protocols (Fig 6, from k = 2), the end-to-end unmap (Fig 7, from k = 1), and 1PC and 2PC among the monitors over
/// each protocol (beyond the paper, from k = 2); then the host's mprotect and munmap (Fig 7); then the capability operations that span cores
/// (transfer, revoke with copies on k cores; from k = 2). Once, on the first core: local capability invocations. At
/// k = 1 the protocols have no remote core to reach and are skipped.
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
    public const string OnePhase = "1PC";
    public const string TwoPhase = "2PC";
    public const string LinuxMprotect = "Linux mprotect";
    public const string LinuxMunmap = "Linux munmap";

    const string Hardware = "real page tables: every core is an OS process of its own, all its threads confined to that core from exec on, so its page table is loaded by that core alone " +
        "and the host kernel can flush the TLB locally, without an IPI; only the URPC region and the domain's frames are shared between the processes";

    const string Modelled = "modelled: each core's TLB is a software translation cache consulted by the VM API; the invalidation is a real URPC message round between pinned cores (each core drops the entry on its own core and acks), not a hardware TLB flush";

    /// <summary>
    /// The size of a JIT warm-up run (<see cref="JitWarmUp"/>) before the first modelled-multikernel and capability point:
    /// those paths run the kernel's agreement and capability code, which no earlier point ran, so without it they were
    /// measured partly on tier-0 code. (The process-mode points compile in their own core processes; the Linux
    /// baselines are system calls behind one P/Invoke.)
    /// </summary>
    internal static readonly SweepSize WarmUpSize = SweepSize.For(50, 3);

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
            var series = (k >= 2 ? Protocols.Select(p => new ShootdownSeries(p.Series, p.Protocol, SeriesKind.Shootdown)) : [])
                .Append(new ShootdownSeries(MultikernelUnmap, RoutingProtocol.NumaAwareMulticast, SeriesKind.Unmap))
                .Concat(k >= 2 ? Protocols.Select(p => new ShootdownSeries(OnePhase, p.Protocol, SeriesKind.OnePhase)) : [])
                .Concat(k >= 2 ? Protocols.Select(p => new ShootdownSeries(TwoPhase, p.Protocol, SeriesKind.TwoPhase)) : []).ToArray();
            if (s.Mmu.HasFlag(MmuSeries.Modelled)) points.Add(new PlannedPoint($"Multikernel cores={k}", ops * series.Length * (2 + k), () =>
                Rows(cores, series, ShootdownWorkload.Run(cores, series, s.Grouping, size), size, group, hardware: false, ""))
            {
                WarmUp = new(k >= 2 ? "the multikernel's shootdowns, unmap, 1PC and 2PC" : "the multikernel's unmap on one core",
                    () => ShootdownWorkload.Run(cores, series, s.Grouping, WarmUpSize)),
            });
            string hwPoint = $"Multikernel (processes) cores={k}";
            if (s.Mmu.HasFlag(MmuSeries.Hardware)) points.Add(new PlannedPoint(hwPoint, ops * series.Length * (4 + 2 * k), () =>
            {
                var measured = HardwareShootdownWorkload.Run(cores, series, s.Grouping, size);
                if (meta != null) meta.CoreProcessStartupMs[hwPoint] = Math.Round(measured.StartupMs, 1);
                return Rows(cores, series, measured.Series, size, group, hardware: true, $"; the {k} core process(es) started in {measured.StartupMs:0} ms");
            }));
            points.Add(LinuxBaselinePoint(LinuxMprotect, "mprotect", k, ops * (20 + 5 * k), size, () => MprotectWorkload.Run(cores, size),
                $"real: one mprotect(PROT_READ) syscall on a page of a {HostBaseline.RegionPages}-page region, timed on core {cores[0]} (P/Invoke included); " +
                "the Linux kernel changes the page-table entry and flushes the TLB of every core running this process with real IPIs and hardware TLB invalidations; restored to read-write between samples, untimed"));
            points.Add(LinuxBaselinePoint(LinuxMunmap, "munmap", k, ops * (30 + 5 * k), size, () => MunmapWorkload.Run(cores, size),
                $"real: one munmap syscall of a freshly mapped and written page, timed on core {cores[0]} (P/Invoke included; includes freeing the page); " +
                "the Linux kernel removes the mapping and flushes the TLB of every core running this process with real IPIs; a fresh page is mapped before each sample, untimed"));
        }
        foreach (int k in CoreList.SweepCounts(s.Cores.Length, quick: s.Profile == "quick").Where(k => k >= 2))
        {
            int[] cores = s.Cores[..k];
            var capSize = CapabilityWorkload.SizeFor(size);
            points.Add(new PlannedPoint($"Capabilities cores={k}", capSize.TotalOps * (2 + k) * 4.0, () => CapabilityWorkload.CrossCoreRows(cores, s.Grouping, capSize))
            {
                WarmUp = new("capability transfer and revoke", () => CapabilityWorkload.CrossCoreRows(cores, s.Grouping, CapabilityWorkload.SizeFor(WarmUpSize))),
            });
        }
        points.Add(new PlannedPoint("Capability invocations cores=1", 2e5 * Math.Min(size.Repetitions, 31), () => CapabilityWorkload.LocalRows(s.Cores[0], Math.Min(size.Repetitions, 31)))
        {
            WarmUp = new("capability invocations", () => CapabilityWorkload.LocalRows(s.Cores[0], 2)),
        });
        return points;
    }

    /// <summary>
    /// The point of one Linux baseline (<see cref="HostBaseline"/>) at <paramref name="k"/> cores: one row, whose samples
    /// are the medians of each repetition's timed <paramref name="call"/> calls; <paramref name="how"/> says what one call does.
    /// </summary>
    static PlannedPoint LinuxBaselinePoint(string series, string call, int k, double cost, SweepSize size, Func<LatencySamples> measure, string how) =>
        new($"{series} cores={k}", cost, () =>
        {
            var m = measure();
            string param = $"call={call};pages=1";
            var rows = new List<ResultRow> { RowFactory.Latency(series, k, param, RowFactory.UnmapMetric, m, $"{how}; sample = median of {size.Iterations} calls of one repetition") };
            if (m.ShootdownInterruptsPerCall is not null) rows.Add(RowFactory.ShootdownInterrupts(series, k, param, m, call));
            return rows;
        });

    /// <summary>The rows of one multikernel point (one boot): thread mode with software TLBs, or process mode with real page tables.</summary>
    static List<ResultRow> Rows(int[] cores, ShootdownSeries[] series, LatencySamples[] measured, SweepSize size, string group, bool hardware, string boot)
    {
        int k = cores.Length;
        string coreText = CoreList.Format(cores);
        var rows = new List<ResultRow>();
        for (int i = 0; i < series.Length; i++)
        {
            var x = series[i];
            string param = $"mmu={(hardware ? "hardware" : "modelled")};protocol={Name(x.Protocol)};group={group};pages=1";
            string sample = $"sample = median of {size.Iterations} back-to-back operations of one repetition ({size.Warmup} untimed before); " +
                            $"all {series.Length} multikernel series of cores={k} run in one boot{(hardware ? $" of {k} core process(es)" : "")}, interleaved by repetition in rotating order{boot}";
            string mmu = hardware ? Hardware : Modelled;
            rows.Add(x.Kind switch
            {
                SeriesKind.Unmap when hardware => RowFactory.Latency(x.Name, k, param, RowFactory.UnmapMetric, measured[i],
                    $"end-to-end unmap on core {cores[0]} of a page of a domain mapped at the same address in the core processes of cores {coreText}: " +
                    (k > 1 ? "a NUMA-aware multicast shootdown (the monitors' 1PC over URPC): the request goes out, then the initiator mprotects(PROT_NONE) its own mapping (a real page-table change and a local TLB flush by the host kernel) while every other core process does the same to its own mapping and acks, until the last ack; "
                           : "mprotect(PROT_NONE) of the initiator's own mapping (a real page-table change and a local TLB flush by the host kernel); no other core to reach; ") +
                    $"restored to read-write after each by a second shootdown, untimed; {sample}; {mmu}"),
                SeriesKind.Unmap => RowFactory.Latency(x.Name, k, param, RowFactory.UnmapMetric, measured[i],
                    $"end-to-end unmap on core {cores[0]} of a page of the address space of a domain on cores {coreText}: a VNode Unmap invocation clears the entry in the 4-level page table " +
                    (k > 1 ? "(real data in simulated physical memory), then a NUMA-aware multicast shootdown (the monitors' 1PC), until the last ack; "
                           : "(real data in simulated physical memory) and the local TLB drops it: no other core to reach; ") +
                    $"mapped again after each unmap, untimed; {sample}; {mmu}"),
                SeriesKind.Shootdown when hardware => RowFactory.Latency(x.Name, k, param, RowFactory.ShootdownMetric, measured[i],
                    $"shootdown latency at the initiator (core {cores[0]}) from the start to the last ack, one page: the monitors' 1PC whose apply step, in every other core process (cores {CoreList.Format(cores[1..])}), " +
                    "mprotects its own mapping of the page to PROT_NONE (a real page-table change and a local TLB flush) before it acks; the initiator's own mapping is not changed; " +
                    $"restored after each by a second shootdown, untimed; {sample}; {mmu}"),
                SeriesKind.Shootdown => RowFactory.Latency(x.Name, k, param, RowFactory.ShootdownMetric, measured[i],
                    $"shootdown latency at the initiator (core {cores[0]}) from the start to the last ack, one page, participants: cores {coreText}; the shootdown is the monitors' 1PC whose apply step invalidates the TLB; {sample}; {mmu}"),
                _ => RowFactory.Latency(x.Name, k, param + ";update=domain-placement", RowFactory.ShootdownMetric, measured[i],
                    (x.Kind == SeriesKind.OnePhase
                        ? "one-phase commit (apply, ack) among the monitors of cores " + coreText + ": the initiator sends the update along the route, then applies it to its own replica while every other participant applies it to its replica and acks (aggregators forward it to their group first and ack for it); "
                        : "two-phase commit (prepare and lock, vote, commit, ack) among the monitors of cores " + coreText + ": every participant locks the row and votes, the initiator decides and sends the commit, every participant applies it to its replica and acks; ") +
                    $"the update toggles a row of the replicated domain-placement table that only this initiator writes; timed at the initiator (core {cores[0]}) from the start until every participant acknowledged; " +
                    Versus(x, series, measured, i) + $"{sample}; real: messages between pinned cores, replicas in each monitor" +
                    (hardware ? ", each monitor in a core process of its own" : "")),
            });
        }
        return rows;
    }

    /// <summary>What a 1PC row's note says about the shootdown on the same route, and a 2PC row's about the 1PC (medians of this boot).</summary>
    internal static string Versus(ShootdownSeries x, ShootdownSeries[] series, LatencySamples[] measured, int i)
    {
        var other = x.Kind == SeriesKind.OnePhase ? SeriesKind.Shootdown : SeriesKind.OnePhase;
        int j = Array.FindIndex(series, y => y.Kind == other && y.Protocol == x.Protocol);
        if (j < 0 || measured[i].Cycles.Length == 0 || measured[j].Cycles.Length == 0) return "";
        double ratio = SampleSummary.Of(measured[i].Cycles).Median / SampleSummary.Of(measured[j].Cycles).Median;
        string what = other == SeriesKind.Shootdown ? "the TLB shootdown on the same route" : "the 1PC on the same route";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"median / median of {what} in this boot = {ratio:0.00}; ");
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

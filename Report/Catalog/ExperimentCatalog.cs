using System.Text.RegularExpressions;

namespace Report.Catalog;

/// <summary>
/// The experiments the suite knows, in report order, and how each maps onto the paper: every title (with the seed's
/// and the paper's figure numbers) and every figure's panels are defined here and nowhere else. An experiment folder
/// not listed here still gets a chapter (<see cref="GenericFigures"/>), and rows of a known folder that no panel
/// selects are drawn in an "other rows" figure at the end of its chapter.
/// The chapter titles come from the experiment registry (Experiments/Schema/experiments.tsv,
/// <see cref="ExperimentRegistry"/>). To add an experiment: a line in the registry and a <see cref="ChapterSpec"/> here.
/// </summary>
public static class ExperimentCatalog
{
    public const string Fig1 = "fig1-shared-state";
    public const string UrpcTables = "urpc-tables";
    public const string Fig3Tlb = "fig3-tlb";
    public const string Compute = "compute";
    public const string IoWebserver = "io-webserver";

    // ---- Titles: the seed's figure number, the paper's, the subject; a chapter's from the experiment registry.
    public static readonly FigureTitle Fig1Title = Registered(Fig1);
    public static readonly FigureTitle UrpcTitle = Registered(UrpcTables);
    public static readonly FigureTitle TlbChapterTitle = Registered(Fig3Tlb);
    public static readonly FigureTitle Fig6Title = new("3", "Fig 6", "TLB shootdown protocols");
    public static readonly FigureTitle Fig7Title = new("3", "Fig 7", "unmap latency, multikernel vs Linux");
    public static readonly FigureTitle AgreementTitle = new(null, null, "Monitor agreement and capabilities (beyond the paper)");
    public static readonly FigureTitle ComputeChapterTitle = Registered(Compute);
    public static readonly FigureTitle IoTitle = Registered(IoWebserver);

    static FigureTitle Registered(string folder)
    {
        var e = ExperimentRegistry.Get(folder);
        return new FigureTitle(e.SeedFigure, e.PaperFigure, e.Subject);
    }

    const string CyclesK = "Latency (cycles x 1000)";

    // ---- Series names the figures, readings and claims rely on.
    public static readonly Regex Fig1PaperSeries = new(@"^(SHM[1248]|MSG[18]|Server\d*)$", RegexOptions.CultureInvariant);
    public static readonly string[] Protocols = ["Broadcast", "Unicast", "Multicast", "NUMA-aware multicast"];
    public const string MkUnmap = "Multikernel unmap";
    public const string LinuxMprotect = "Linux mprotect";
    public const string LinuxMunmap = "Linux munmap";
    public static readonly string[] UnmapSeries = [MkUnmap, LinuxMprotect, LinuxMunmap];
    public static readonly Regex AgreementSeries = new(@"^[12]PC\b", RegexOptions.CultureInvariant);
    public static readonly Regex CapabilityOperation = new(@"retype|mint|copy|delete|revoke|transfer|invoc|invoke|capabilit", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>The paper's IO series and the bars of ours they stand for.</summary>
    static readonly Dictionary<string, string> IoPaperSeries = new()
    {
        ["Barrelfish"] = "mk", ["Barrelfish + SQLite"] = "mk", ["lighttpd on Linux"] = "lighttpd",
    };

    static bool IsCycles(ResultRow r) => r.Unit.Equals("cycles", StringComparison.OrdinalIgnoreCase);
    static bool IsRatio(ResultRow r) => r.Unit is "x" or "ratio" || r.Metric.Contains("ratio", StringComparison.OrdinalIgnoreCase);
    /// <summary>A row of Fig 1's C twin (Param impl=c), not the C#/C ratio (impl=csharp/c).</summary>
    static bool IsCTwin(ResultRow r) => ParamText.Parse(r.Param).TryGetValue("impl", out var impl) && impl == "c";

    /// <summary>Lines of the selected rows that are in cycles, on the paper's axis (thousands of cycles).</summary>
    static PanelSpec CyclesLines(string title, Func<ResultRow, bool> selects, IReadOnlyList<PaperOverlay>? overlays = null) =>
        new(title, PanelKind.Lines, r => selects(r) && IsCycles(r), CyclesK, 1e-3, overlays);

    /// <summary>A set of series: its latency in cycles with the paper's values, then its other rows (counts) in a panel of their own.</summary>
    static PanelSpec[] LatencyThenCounts(string latencyTitle, string countsTitle, IReadOnlyCollection<string> series, PaperOverlay paper) =>
    [
        CyclesLines(latencyTitle, r => series.Contains(r.Series), [paper]),
        new(countsTitle, PanelKind.Lines, r => series.Contains(r.Series)),
    ];

    static readonly FigureSpec Fig1Figure = new(
        "fig1", Fig1Title,
        "Cycles per update of n shared cache lines (lines=n) against the number of cores k. SHMn: k threads update "
        + "the same lines directly in shared memory. MSGn: one server core owns the lines and k-1 client cores send it each "
        + "update as a URPC message and wait for the reply (the client's round trip); Server: the server's own cycles per "
        + "update. Second panel: the host's baselines on the same cores (lockn: plain increments under a C# lock; "
        + "spinlockn: a test-and-test-and-set spin lock) and variants of the paper's series (-atomic: atomic increments; "
        + "-pipelined: several requests in flight; -raw: the client and server loop on raw channel ends, bypassing the "
        + "waitset and the CPU driver's dispatch). \"(C)\": the C twin, the same workloads, rings, kernel path and raw loops "
        + "in C (gcc -O3) on the same cores, interleaved with each C# point in blocks of repetitions (each block: C, then C#; "
        + "the experiment's notes say how the JIT compiled the C#); the last panel gives each "
        + "point's C#/C ratio (the median over the blocks of each block's ratio; with one or two blocks, as in a quick run, "
        + "the C# median over the C median). Each series' exact "
        + "method is in its rows' notes (HTML).",
        "Nothing: the caches, the interconnect and the URPC cache lines are the machine's own.",
        [
            CyclesLines("As in the paper: SHMn, MSGn, Server", r => r.Metric == "cycles_per_update" && Fig1PaperSeries.IsMatch(r.Series),
                [new PaperOverlay("fig3-shared-state", "cycles")]),
            CyclesLines("The C twin: the same points in C", r => r.Metric == "cycles_per_update" && IsCTwin(r)),
            CyclesLines("Baselines and variants", r => r.Metric == "cycles_per_update"),
            new("Updates per second, all MSG clients together", PanelKind.Lines, r => r.Metric == "updates_per_s", "Updates/s (millions)", 1e-6),
            new("C# over the C twin, per point", PanelKind.Lines, IsRatio, "C# / C",
                References: [ReferenceLine.Horizontal(1.0, "1.0"), ReferenceLine.Horizontal(1.10, "target 1.10")]),
        ],
        ["fig3-shared-state"], FigureReadings.Fig1);

    static readonly FigureSpec UrpcFigure = new(
        "urpc", UrpcTitle,
        "Same-core LRPC (a call between two dispatchers on one core), and URPC between two cores: one-way latency, round "
        + "trip and pipelined throughput of 64-byte cache-line messages, per pair of cores. Rows marked (processes) run the "
        + "two ends in separate processes.",
        "LRPC's kernel crossing is modelled: a \"system call\" is a method call through the CPU driver (the binding and "
        + "the core are checked per call), so it omits the trap and address-space switch of the paper's LRPC. URPC is real "
        + "shared memory.",
        [new("Our measurements", PanelKind.Table, _ => true)],
        ["table1-lrpc", "table2-urpc", "table3-urpc-vs-l4"], FigureReadings.Urpc);

    static readonly FigureSpec Fig6Figure = new(
        "fig6", Fig6Title,
        "Latency of a TLB shootdown (one message round from the initiating core to every other core and back) with the "
        + "broadcast, unicast, multicast and NUMA-aware multicast routing of the monitors, against the number of cores.",
        "Where Param says mmu=modelled (or gives no mmu), each core's TLB is a software translation cache; with "
        + "mmu=hardware each core process changes its own page table with mprotect/munmap. The messages and the cores are real.",
        LatencyThenCounts("Shootdown latency per protocol", "Other counts per protocol", Protocols, new PaperOverlay("fig6-tlb-protocols", "cycles")),
        ["fig6-tlb-protocols"], FigureReadings.Fig6);

    static readonly FigureSpec Fig7Figure = new(
        "fig7", Fig7Title,
        "End-to-end latency of unmapping a page that is mapped on k cores: the multikernel (page-table change, then a "
        + "shootdown to every core that may cache it) against the host OS's mprotect and munmap on the same cores (real "
        + "system calls; Linux flushes remote TLBs with inter-processor interrupts, as many per call as the counts panel's "
        + $"{ShootdownInterruptMetrics.PerCall} says: about 1 per other core on bare metal, fewer under a hypervisor's paravirtual flush). The paper's Barrelfish, Linux and "
        + "Windows values are drawn as open markers.",
        "Where Param says mmu=modelled (or gives no mmu), the multikernel's page tables and TLBs are software models, "
        + "so its curve does not include a hardware page-table change or TLB flush; mmu=hardware rows do.",
        LatencyThenCounts("Unmap latency", "TLB-shootdown interrupts and other counts", UnmapSeries,
            new PaperOverlay("fig7-unmap", "cycles", new Dictionary<string, string> { ["Barrelfish"] = MkUnmap })),
        ["fig7-unmap"], FigureReadings.Fig7);

    static readonly FigureSpec AgreementFigure = new(
        "agreement", AgreementTitle,
        "One-phase (1PC) and two-phase (2PC) commit among the monitors over each routing protocol, against the number of "
        + "cores, and the cost of capability operations (local invocation, retype, copy, delete, cross-core transfer, revoke). "
        + "The paper gives no figure for these.",
        "Capabilities are checked by the CPU driver on the owning core; there is no hardware privilege boundary behind them.",
        [
            CyclesLines("Agreement: 1PC and 2PC", r => AgreementSeries.IsMatch(r.Series)),
            new("Capability operations", PanelKind.Table,
                r => CapabilityOperation.IsMatch(r.Series) || CapabilityOperation.IsMatch(r.Metric)),
        ],
        [], FigureReadings.Agreement);

    static readonly FigureSpec IoFigure = new(
        "io", IoTitle,
        "UDP echo (packets per second, payload and flows in Param) and the web server (requests per second for a static "
        + "page and for SQLite-backed dynamic pages) of the multikernel (mk) against the host's plain socket loop, "
        + "Kestrel and lighttpd on the same server cores, each loaded by our generator or wrk on cores of its own where the "
        + "machine has one (the notes say where it ran); latency percentiles as reported by the load generator. "
        + "stack=user: the multikernel's own network stack; stack=kernel: the host kernel's sockets (an extra series that "
        + "keeps its driver and server on two cores). rx=sender: the veth's default, each end's kernel receive work on "
        + "the core that sent the frame; rx=sides: steered to each side's own cores, as with two machines. The table of "
        + "busy cores tells a server-bound run from one the load generator limited (its cores at 95% or more).",
        "The NIC is modelled (a frame ring or a socket stands in for the e1000); the paper's numbers were bound by a "
        + "real gigabit NIC, so its values are a different regime, drawn for scale.",
        [
            new("UDP echo throughput", PanelKind.Bars, r => r.Series.StartsWith("UDP echo/", StringComparison.Ordinal) && r.Metric == "packets_per_s",
                "Packets/s (thousands)", 1e-3),
            new("Web server throughput", PanelKind.Bars, r => r.Series.StartsWith("web ", StringComparison.Ordinal) && r.Metric == "requests_per_s",
                "Requests/s (thousands)", 1e-3,
                [new PaperOverlay("io-web-static", "requests/s", IoPaperSeries, "web static"), new PaperOverlay("io-web-dynamic", "requests/s", IoPaperSeries, "web dynamic")]),
            new("UDP echo latency", PanelKind.Bars, r => r.Series.StartsWith("UDP echo/", StringComparison.Ordinal) && r.Metric.EndsWith("_latency_us", StringComparison.Ordinal),
                "Latency (µs)", Category: r => LatencyCategory(r)),
            new("Web server latency", PanelKind.Bars, r => r.Series.StartsWith("web ", StringComparison.Ordinal) && r.Metric.EndsWith("_latency_us", StringComparison.Ordinal),
                "Latency (µs)", Category: r => LatencyCategory(r)),
            new("Cores busy during the timed runs (%): server and load generator", PanelKind.Table,
                r => r.Metric is CoreBusyMetrics.Server or CoreBusyMetrics.Load),
            new("Throughput in Mbit/s", PanelKind.Listed, r => r.Metric == "mbit_per_s"),
        ],
        ["io-loopback", "io-udp-echo", "io-web-static", "io-web-dynamic"], FigureReadings.Io);

    // Declared after the figures: static fields are initialised in textual order.
    public static readonly IReadOnlyList<ChapterSpec> Known =
    [
        new(Fig1, Fig1Title, _ => [Fig1Figure]),
        new(UrpcTables, UrpcTitle, _ => [UrpcFigure]),
        new(Fig3Tlb, TlbChapterTitle, _ => [Fig6Figure, Fig7Figure, AgreementFigure]),
        new(Compute, ComputeChapterTitle, ComputeBenchmarks.FiguresFor, ComputeBenchmarks.Intro),
        new(IoWebserver, IoTitle, _ => [IoFigure]),
    ];

    /// <summary>"static p99" for a web row of metric p99_latency_us, "p99" for a UDP echo row.</summary>
    static string LatencyCategory(ResultRow r)
    {
        string percentile = r.Metric.Replace("_latency_us", "", StringComparison.Ordinal);
        string workload = SeriesName.Group(r.Series);
        return workload.StartsWith("web ", StringComparison.Ordinal) ? $"{workload[4..]} {percentile}" : percentile;
    }


    public static IReadOnlyList<string> KnownNames => Known.Select(k => k.Folder).ToList();

    public static ChapterSpec? Find(string folder) => Known.FirstOrDefault(k => k.Folder == folder);

    /// <summary>The chapter of a folder the catalog does not know: its rows drawn by <see cref="GenericFigures"/>.</summary>
    public static ChapterSpec Generic(string folder) =>
        new(folder, new FigureTitle(null, null, $"Experiment {folder}"), rows => [GenericFigures.For(folder, $"Experiment {folder}", rows)]);

    public static ChapterSpec For(string folder) => Find(folder) ?? Generic(folder);
}

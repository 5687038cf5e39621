using Experiments.Schema;
using Report.Charts;

namespace Report.Catalog;

/// <summary>
/// The experiments the suite knows, in report order, and how each maps onto the paper. An experiment folder
/// not listed here still gets a section (<see cref="Generic"/>): one chart per metric against cores.
/// Titles come from the experiment registry (Experiments/Schema/experiments.tsv, <see cref="ExperimentRegistry"/>).
/// To add an experiment: a line in the registry and a <see cref="FigureSpec"/> here.
/// </summary>
public static class ExperimentCatalog
{
    public const string Fig1 = "fig1-shared-state";
    public const string UrpcTables = "urpc-tables";
    public const string Fig3Tlb = "fig3-tlb";
    public const string Compute = "compute";
    public const string IoWebserver = "io-webserver";

    public static readonly IReadOnlyList<FigureSpec> Known =
    [
        new(Fig1,
            ExperimentRegistry.Get(Fig1).Title,
            "Cycles per update of n shared cache lines (lines=n) against the number of cores k. SHMn: k threads update "
            + "the same lines directly in shared memory (one atomic add per line). MSGn: one server core owns the lines and "
            + "k-1 client cores send it each update as a URPC message and wait for the reply (the client's round trip; "
            + "-pipelined: several requests in flight); Server: the server's own cycles per update. lockn / spinlockn: the "
            + "host baseline, plain increments under a C# lock or a test-and-test-and-set spin lock on the same cores. "
            + "updates_per_s: all MSG clients together.",
            "Nothing: the caches, the interconnect and the URPC cache lines are the machine's own. The paper's machine "
            + "(4x4-core AMD, 2.5 GHz) is not this one: the overlaid paper values show shape and order of magnitude, "
            + "not numbers this machine should match.",
            Presentation.Charts,
            r => r.Metric,
            (metric, unit) => IsCycles(unit)
                ? new ChartSpec($"Fig. 3: {metric}", "Cores", "Latency (cycles x 1000)", 1e-3, "fig3-shared-state", "cycles")
                : ChartSpec.Plain($"Fig. 3: {metric}", metric, unit),
            ["fig3-shared-state"]),

        new(UrpcTables,
            ExperimentRegistry.Get(UrpcTables).Title,
            "Same-core LRPC (a call between two dispatchers on one core), and URPC between two cores: one-way latency "
            + "and pipelined throughput of 64-byte cache-line messages, per pair of cores.",
            "LRPC's kernel crossing is modelled: a \"system call\" is a method call that checks capabilities, so it "
            + "omits the trap and address-space switch of the paper's LRPC. URPC is real shared memory.",
            Presentation.Tables,
            r => r.Metric,
            (metric, unit) => ChartSpec.Plain(metric, metric, unit),
            ["table1-lrpc", "table2-urpc", "table3-urpc-vs-l4"]),

        new(Fig3Tlb,
            ExperimentRegistry.Get(Fig3Tlb).Title,
            "Fig. 6: latency of a TLB shootdown over URPC with the broadcast, unicast, multicast and NUMA-aware "
            + "multicast protocols, against the number of cores. Fig. 7: end-to-end latency of unmapping a page, "
            + "the multikernel against the host OS's mprotect/munmap on the same cores.",
            "The TLB is a software translation cache per core and the IPI a futex/eventfd wake-up; the messages "
            + "and the cores are real. The host OS numbers are real system calls.",
            Presentation.Charts,
            r => r.Metric,
            (metric, unit) => !IsCycles(unit)
                ? ChartSpec.Plain(metric, metric, unit)
                : metric.StartsWith("unmap", StringComparison.OrdinalIgnoreCase)
                    ? new ChartSpec($"Fig. 7: {metric}", "Cores", "Latency (cycles x 1000)", 1e-3, "fig7-unmap", "cycles")
                    : new ChartSpec($"Fig. 6: {metric}", "Cores", "Latency (cycles x 1000)", 1e-3, "fig6-tlb-protocols", "cycles"),
            ["fig6-tlb-protocols", "fig7-unmap"]),

        new(Compute,
            ExperimentRegistry.Get(Compute).Title,
            "Wall-clock time of each benchmark against the number of cores, on the multikernel's user-level threads "
            + "and on .NET threads of the host OS, same inputs, same cores; results are checked against the "
            + "official verification values and failed runs are listed, never plotted.",
            "Nothing in the computation is modelled. The paper ran OpenMP builds on Barrelfish and Linux; the "
            + "paper's curves are not overlaid (it gives no numbers, only plots).",
            Presentation.Charts,
            r => $"{Benchmark(r)}|{r.Metric}",
            (key, unit) =>
            {
                var parts = key.Split('|');
                string y = parts[1] == "seconds" || unit == "s" ? "Time (s)" : $"{parts[1]} ({unit})";
                return new ChartSpec($"Fig. 9: {parts[0]}", "Cores", y, 1.0, null, null);
            },
            []),

        new(IoWebserver,
            ExperimentRegistry.Get(IoWebserver).Title,
            "UDP echo throughput, and requests per second of the web server for static pages and SQLite-backed "
            + "dynamic pages, against the host's Kestrel and lighttpd on the same cores.",
            "The NIC is modelled: a socket owned by the driver core stands in for the e1000; the paper's numbers "
            + "were NIC-bound on real gigabit hardware.",
            Presentation.Tables,
            r => r.Metric,
            (metric, unit) => ChartSpec.Plain(metric, metric, unit),
            ["io-loopback", "io-udp-echo", "io-web-static", "io-web-dynamic"]),
    ];

    public static IReadOnlyList<string> KnownNames => Known.Select(k => k.Experiment).ToList();

    public static FigureSpec? Find(string experiment) => Known.FirstOrDefault(k => k.Experiment == experiment);

    /// <summary>The section of an experiment the catalog does not know: one chart per metric, no overlay.</summary>
    public static FigureSpec Generic(string experiment) => new(
        experiment,
        $"Experiment {experiment}",
        "As described by the experiment's meta.json notes.",
        "Not described in the report's catalog (Report/Catalog/ExperimentCatalog.cs).",
        Presentation.Charts,
        r => r.Metric,
        (metric, unit) => ChartSpec.Plain(metric, metric, unit),
        []);

    public static FigureSpec For(string experiment) => Find(experiment) ?? Generic(experiment);

    static bool IsCycles(string unit) => unit.Equals("cycles", StringComparison.OrdinalIgnoreCase);

    /// <summary>The benchmark a compute row belongs to: its Param "bench=..." (plus "class=..."), else the Series before '/'.</summary>
    public static string Benchmark(ResultRow r)
    {
        var p = ParamText.Parse(r.Param);
        string bench = p.TryGetValue("bench", out var b) ? b.ToUpperInvariant()
            : r.Series.Contains('/') ? r.Series[..r.Series.IndexOf('/')] : r.Series;
        return p.TryGetValue("class", out var c) ? $"{bench} class {c}" : bench;
    }
}

using System.Globalization;
using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace IOWebserver;

/// <summary>
/// Runs the planned series one by one. After each its rows are on disk (results.csv) and meta.json lists the series
/// still missing; Ctrl-C stops before the next series and leaves the run marked incomplete.
/// Exit codes: 0 done and every check passed, 1 a check or a series failed, 130 interrupted.
/// </summary>
public static class IoRun
{
    public const int Interrupted = ExitCode.Interrupted;
    /// <summary>At most this many cores (and wrk threads) for the HTTP load generator.</summary>
    public const int WrkCores = 4;
    /// <summary>At most this many cores (one generator thread each, at most one per flow) for the UDP load generator.</summary>
    public const int UdpLoadCores = 4;

    public static int Execute(IoSettings s, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var allowed = CoreAffinity.AllowedCpus();
        stderr.WriteLine($"io-webserver: cores {CoreList.Format(s.Cores)} of {CoreList.Format(allowed)}; parts {string.Join(",", IoSettings.Parts.Where(s.Only.Contains))}; " +
                         $"profile {s.Profile}: {s.Repetitions} x {s.Duration.TotalSeconds:0.###} s timed runs per series after {s.Warmup.TotalSeconds:0.###} s warm-up; output {Path.GetFullPath(s.OutDir)}");
        var meta = RunMeta.Describe(IoSettings.ExperimentId, s.Cores, s.Profile);
        meta.PollBudgetCycles["cpu-driver"] = WaitPolicy.Default.PollCycles;
        meta.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"duration={s.Duration.TotalSeconds:0.###} s per timed run; repetitions={s.Repetitions}; warmup={s.Warmup.TotalSeconds:0.###} s untimed load per series; one sample = one timed run; rows give the median over runs and its 95% CI"));
        meta.Notes.Add("wire=veth series run on a veth pair between two network namespaces this program makes per series and removes after it (link-local 169.254.77.0/24 only: nothing leaves the machine); " +
                       "the stack=user multikernel owns an AF_PACKET ring on the server end (NIC driver core) and runs its own Ethernet/ARP/IPv4/UDP/TCP stack (stack core); the host baselines bind the same server address in the server namespace; clients and wrk run in the far namespace on the host kernel's TCP/IP. " +
                       "wire=loopback series (stack=kernel: the driver dispatcher polls a loopback socket) run on 127.0.0.1 inside this machine. In every multikernel series packet and request bytes cross cores through shared buffers and only descriptors cross by URPC");
        meta.Notes.Add(s.RxSteering == ReceiveSteering.Sender
            ? "rx=sender (--rx-steering): the veth's default; the kernel's receive work for a frame runs on the core that sent it, so the server side's (the host baselines' TCP/UDP input, the copy into the user-level stack's AF_PACKET ring) on the load generator's cores and the far side's (wrk's and the UDP generator's input) on the server's core"
            : "rx=sides (--rx-steering): Receive Packet Steering on both veth ends; the server end's kernel receive work runs on the server's first core (the multikernel's NIC driver core), the far end's on the load generator's cores, as with a server machine and a load machine");
        meta.Notes.Add($"load average at start: {LoadAverage.Read()}");
        var loadCores = new SortedSet<int>();
        var points = Plan(s, allowed, meta.Notes, stderr, loadCores);
        // The load generators may run on allowed cores beyond --cores (LoadPlacement): the run's cores are both.
        meta.CoresUsed = CoreList.Format(s.Cores.Concat(loadCores).Distinct().Order().ToArray());
        var rec = new ExperimentRecorder(Path.Combine(s.OutDir, IoSettings.ExperimentId), meta, points.Select(p => p.Name));
        var (failed, interrupted) = Runner.Run(rec, points, stdout, stderr, cancel);
        return Runner.Conclude(failed, interrupted, rec.Directory, stdout, stderr);
    }

    /// <summary>The series loop; a skip row (no samples) is printed with its reason, a measured one with its median and CI.</summary>
    static readonly SweepRunner Runner = new()
    {
        Program = "io-webserver",
        Unit = "series",
        Units = "series",
        FailureKind = "a check or a series",
        FormatRow = r => r.Samples == 0
            ? $"  {Label(r),-22} {r.Metric,-16} {r.Note}"
            : string.Create(CultureInfo.InvariantCulture, $"  {Label(r),-22} {r.Metric,-16} {r.Median,12:0.##} {r.Unit,-10} {SampleSummary.IntervalText(r.CiLow, r.CiHigh, "0.##")} n={r.Samples} {r.Verified}"),
    };

    /// <summary>The series name with its stack (user or kernel) where the row has one, so the two multikernel series tell apart on the console.</summary>
    static string Label(ResultRow r)
    {
        int i = r.Param.IndexOf("stack=", StringComparison.Ordinal);
        if (i < 0) return r.Series;
        int end = r.Param.IndexOf(';', i);
        return $"{r.Series} ({r.Param[(i + 6)..(end < 0 ? r.Param.Length : end)]})";
    }

    /// <summary>The series to run, in order. A series that cannot run here becomes a point that records a skip row with the reason.
    /// Each part runs the multikernel on the user-level stack over its own veth wire (stack=user), the multikernel on the
    /// socket driver over loopback (stack=kernel, an extra series), then the host baselines: over the same veth wire where
    /// one can be built (wire=veth), else over loopback (wire=loopback). <paramref name="loadCores"/>, when given, gets the
    /// load generators' cores of the series that run (not of those skipped).</summary>
    public static List<PlannedPoint> Plan(IoSettings s, IReadOnlyList<int> allowed, List<string> notes, TextWriter stderr, ISet<int>? loadCores = null)
    {
        var points = new List<PlannedPoint>();
        var skipped = new HashSet<string>();
        var loadOf = new List<(string Point, int[] Cores)>();
        void Uses(LoadPlacement load, params string[] names) { foreach (var n in names) loadOf.Add((n, load.Cores)); }
        void NoteShared(string part, LoadPlacement load)
        {
            if (!load.Shared) return;
            string line = $"{part}: {load.Description}";
            notes.Add(line);
            stderr.WriteLine($"io-webserver: {line}");
        }
        double runCost = s.Warmup.TotalSeconds + s.Repetitions * s.Duration.TotalSeconds;
        bool two = s.Cores.Length >= 2;
        string? noWire = SeriesWire.VethMissing;
        bool veth = noWire == null;
        if (!veth) notes.Add($"no veth wire here ({noWire}): the stack=user series are skipped and the host baselines run over loopback (wire=loopback)");
        void Skip(string name, string series, int cores, string param, string metric, string unit, string reason)
        {
            stderr.WriteLine($"io-webserver: {series}{(param.Length > 0 ? $" [{param}]" : "")} skipped: {reason}");
            notes.Add($"{series}{(param.Length > 0 ? $" [{param}]" : "")} skipped: {reason}");
            points.Add(new PlannedPoint(name, 0.01, () => [Rows.Skipped(series, cores, param, metric, unit, reason)]));
            skipped.Add(name);
        }
        // A series that runs, or (missing not null) a skip row that says why not.
        void Add(string name, string series, int cores, string param, string metric, string unit, string? missing, double cost, Func<IReadOnlyList<ResultRow>> measure)
        {
            if (missing != null) Skip(name, series, cores, param, metric, unit, missing);
            else points.Add(new PlannedPoint(name, cost, measure));
        }
        string userStack = $"user;ring={s.RingName}", User = $"stack={userStack};{s.WireParam(veth: true)}";
        const string Kernel = "stack=kernel;wire=loopback";
        if (s.Only.Contains(IoSettings.Udp))
        {
            var server = s.ServerCoresFor(IoSettings.UdpLayoutCores, allowed);
            var load = LoadPlacement.For(s.Cores, server.Length, allowed, Math.Min(UdpLoadCores, s.Flows));
            NoteShared("UDP echo", load);
            const string pps = "packets_per_s", ppsUnit = "packets/s";
            string? noUser = noWire ?? (s.PayloadBytes > MaxUserStackPayload
                ? $"the user-level stack does not fragment: --payload {s.PayloadBytes} is above {MaxUserStackPayload} B, the largest datagram in one 1500-byte frame; use --payload {MaxUserStackPayload} or less"
                : null);
            Add("udp/mk", UdpEchoSeries.MkSeries, server.Length, User, pps, ppsUnit, noUser, runCost + 1, () => UdpEchoSeries.Measure(UdpEchoSeries.MkSeries, userStack, veth: true,
                wire => MkUserUdpEchoServer.Start(wire, server, s.PayloadBytes, ring: s.RingOptions), load.Cores, s,
                $"{UserStackPlacement(server, s, "Ethernet/ARP/IPv4/UDP and the echo service")}; {load.Description}"));
            // The extra series on the host kernel's sockets keeps its two-core layout (driver, echo stack) whatever the server cores.
            var kernelLoad = LoadPlacement.For(s.Cores, 2, allowed, Math.Min(UdpLoadCores, s.Flows));
            if (two) NoteShared("UDP echo, stack=kernel extra series", kernelLoad);
            Add("udp/mk-kernel", UdpEchoSeries.MkSeries, 2, Kernel, pps, ppsUnit, two ? null : TooFewCores(s, 2, "a driver core and a stack core"), runCost,
                () => UdpEchoSeries.Measure(UdpEchoSeries.MkSeries, "kernel", veth: false,
                    _ => MkUdpEchoServer.Start(s.Cores[0], s.Cores[1], s.PayloadBytes), kernelLoad.Cores, s,
                    $"extra series on the host kernel's UDP: driver dispatcher on core {s.Cores[0]} polling a loopback socket, echo stack dispatcher on core {s.Cores[1]}; {kernelLoad.Description}"));
            points.Add(new PlannedPoint("udp/host", runCost + (veth ? 1 : 0), () => UdpEchoSeries.Measure(UdpEchoSeries.HostSeries, null, veth,
                wire => HostUdpEchoServer.Start(server[0], s.PayloadBytes, wire), load.Cores, s,
                $"blocking receive/send loop on one thread pinned to core {server[0]}{(veth ? ", in the server namespace on the veth wire's server address" : "")}; {load.Description}")));
            Uses(load, "udp/mk", "udp/host");
            Uses(kernelLoad, "udp/mk-kernel");
        }
        const string rps = "requests_per_s", rpsUnit = "requests/s";
        string? noWrk = Tools.Wrk == null ? Tools.MissingReason("wrk") : null;
        string? noWebUser = noWrk ?? noWire;
        // A web part's server cores, and wrk on up to WrkCores free cores (one wrk thread each, at most one per connection), so that on a big machine the load generator is not the bottleneck.
        int wrkCores = Math.Min(WrkCores, s.Connections);
        (int[] Server, LoadPlacement Load) WebLayout(int layoutCores, string part)
        {
            var server = s.ServerCoresFor(layoutCores, allowed);
            var load = LoadPlacement.For(s.Cores, server.Length, allowed, wrkCores);
            NoteShared(part, load);
            return (server, load);
        }
        if (s.Only.Contains(IoSettings.Static))
        {
            var (server, load) = WebLayout(IoSettings.StaticLayoutCores, "web static");
            Add("static/mk", WebSeries.StaticMk, server.Length, User, rps, rpsUnit, noWebUser, runCost + 1, () => WebSeries.Measure(WebSeries.StaticMk, userStack, veth: true,
                wire => MkUserWebServer.Start(wire, server, ring: s.RingOptions),
                WebCheck.Static, StaticPage.Path, null, load, s, UserStackPlacement(server, s, "Ethernet/ARP/IPv4/TCP", "the HTTP server dispatcher")));
            // The extra series on the host kernel's sockets keeps its two-core layout (driver, HTTP server) whatever the server cores.
            var kernelCores = s.Cores.Take(2).ToArray();
            var kernelLoad = LoadPlacement.For(s.Cores, 2, allowed, wrkCores);
            string? noKernel = noWrk ?? (!two ? TooFewCores(s, 2, "a driver core and an HTTP server core") : null);
            if (noKernel == null) NoteShared("web static, stack=kernel extra series", kernelLoad);
            Add("static/mk-kernel", WebSeries.StaticMk, 2, Kernel, rps, rpsUnit, noKernel, runCost, () => WebSeries.Measure(WebSeries.StaticMk, "kernel", veth: false,
                _ => MkWebServer.Start(kernelCores), WebCheck.Static, StaticPage.Path, null, kernelLoad, s,
                $"extra series on the host kernel's TCP: TCP NIC driver dispatcher on core {kernelCores[0]} (epoll-polled loopback sockets), HTTP server dispatcher on core {kernelCores[1]}"));
            string baseParam = s.WireParam(veth);
            Add("static/kestrel", WebSeries.StaticKestrel, server.Length, baseParam, rps, rpsUnit, noWrk, runCost + 2, () => WebSeries.Measure(WebSeries.StaticKestrel, null, veth,
                wire => KestrelBaseline.Start(server, null, wire), WebCheck.Static, StaticPage.Path, null, load, s,
                $"ASP.NET Core Kestrel minimal API in a child process pinned with taskset to cores {CoreList.Format(server)}"));
            string? noLighttpd = noWrk ?? (Tools.Lighttpd == null ? Tools.MissingReason("lighttpd") : null);
            Add("static/lighttpd", WebSeries.StaticLighttpd, server.Length, baseParam, rps, rpsUnit, noLighttpd, runCost, () => WebSeries.Measure(WebSeries.StaticLighttpd, null, veth,
                wire => LighttpdServer.Start(server, wire), WebCheck.Static, StaticPage.Path, null, load, s,
                $"lighttpd (single-threaded event loop) pinned with taskset to cores {CoreList.Format(server)}"));
            Uses(load, "static/mk", "static/kestrel", "static/lighttpd");
            Uses(kernelLoad, "static/mk-kernel");
        }
        if (s.Only.Contains(IoSettings.Dynamic))
        {
            // The database gets a core of its own when the server has a third; else it shares the HTTP server's core.
            var (server, load) = WebLayout(IoSettings.DynamicLayoutCores, "web dynamic");
            Add("dynamic/mk", WebSeries.DynamicMk, server.Length, User, rps, rpsUnit, noWebUser, runCost + 1, () => DynamicSeries.Measure(WebSeries.DynamicMk, userStack, veth: true,
                (wire, db) => MkUserWebServer.Start(wire, server, (http, txPool) => new DatabaseDispatcher(http, txPool, db), ring: s.RingOptions), load, s,
                $"{UserStackPlacement(server, s, "Ethernet/ARP/IPv4/TCP", "the HTTP server dispatcher", "the database dispatcher")}; SQLite (Microsoft.Data.Sqlite) opened on the database core"));
            // The extra series on the host kernel's sockets keeps its layout (driver, HTTP server, database if a third core is given) whatever the server cores.
            var kernelCores = s.Cores.Take(3).ToArray();
            var kernelLoad = LoadPlacement.For(s.Cores, kernelCores.Length, allowed, wrkCores);
            string dbPlace = kernelCores.Length >= 3 ? $"database dispatcher on core {kernelCores[2]}" : $"database dispatcher shares core {kernelCores[^1]} with the HTTP server (only 2 cores given)";
            string? noKernel = noWrk ?? (!two ? TooFewCores(s, 2, "a driver core and an HTTP server core; a third gives the database its own") : null);
            if (noKernel == null) NoteShared("web dynamic, stack=kernel extra series", kernelLoad);
            Add("dynamic/mk-kernel", WebSeries.DynamicMk, 2, Kernel, rps, rpsUnit, noKernel, runCost, () => DynamicSeries.Measure(WebSeries.DynamicMk, "kernel", veth: false,
                (_, db) => MkWebServer.Start(kernelCores, (http, txPool) => new DatabaseDispatcher(http, txPool, db)), kernelLoad, s,
                $"extra series on the host kernel's TCP: TCP NIC driver dispatcher on core {kernelCores[0]} (loopback sockets), HTTP server dispatcher on core {kernelCores[1]}, {dbPlace}; SQLite opened on the database core"));
            Add("dynamic/kestrel", WebSeries.DynamicKestrel, server.Length, s.WireParam(veth), rps, rpsUnit, noWrk, runCost + 2, () => DynamicSeries.Measure(WebSeries.DynamicKestrel, null, veth,
                (wire, db) => KestrelBaseline.Start(server, db, wire), load, s,
                $"ASP.NET Core Kestrel minimal API in a child process pinned with taskset to cores {CoreList.Format(server)}, one SQLite connection per thread-pool thread"));
            Uses(load, "dynamic/mk", "dynamic/kestrel");
            Uses(kernelLoad, "dynamic/mk-kernel");
        }
        if (loadCores != null)
            foreach (var (point, cores) in loadOf)
                if (!skipped.Contains(point)) loadCores.UnionWith(cores);
        return points;
    }

    /// <summary>
    /// Where the user-level stack's dispatchers run on <paramref name="server"/>: the NIC driver on the first core, the
    /// stack (<paramref name="stack"/>: its layers) and <paramref name="beside"/> (dispatchers beside it) on the second,
    /// a third's dispatcher (<paramref name="third"/>, the database) on the third core or beside the stack.
    /// </summary>
    static string UserStackPlacement(int[] server, IoSettings s, string stack, string? beside = null, string? third = null)
    {
        string ring = $"AF_PACKET TPACKET_{s.RingName.ToUpperInvariant()} ring on the veth end";
        if (server.Length == 1)
        {
            var all = new List<string> { $"NIC driver dispatcher ({ring})", $"stack dispatcher ({stack})" };
            if (beside != null) all.Add(beside);
            if (third != null) all.Add(third);
            return $"{string.Join(", ", all)}, all on core {server[0]} (one server core, run in turn by its CPU driver)";
        }
        string text = $"NIC driver dispatcher on core {server[0]} ({ring}), stack dispatcher ({stack}){(beside != null ? $" and {beside}" : "")} on core {server[1]}";
        if (third != null) text += server.Length >= 3 ? $", {third} on core {server[2]}" : $", {third} beside them on core {server[1]}";
        return text;
    }

    /// <summary>The largest UDP payload the user-level stack echoes: one 1500-byte frame less the IPv4 and UDP headers (it does not fragment).</summary>
    public const int MaxUserStackPayload = 1500 - 20 - 8;

    static string TooFewCores(IoSettings s, int needed, string what) =>
        $"the multikernel variant needs {needed} cores ({what}) and --cores gives {s.Cores.Length} ({CoreList.Format(s.Cores)})";
}

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

    public static int Execute(IoSettings s, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var allowed = CoreAffinity.AllowedCpus();
        stderr.WriteLine($"io-webserver: cores {CoreList.Format(s.Cores)} of {CoreList.Format(allowed)}; parts {string.Join(",", IoSettings.Parts.Where(s.Only.Contains))}; " +
                         $"profile {s.Profile}: {s.Repetitions} x {s.Duration.TotalSeconds:0.###} s timed runs per series after {s.Warmup.TotalSeconds:0.###} s warm-up; output {Path.GetFullPath(s.OutDir)}");
        var meta = RunMeta.Describe(IoSettings.ExperimentId, s.Cores, s.Profile);
        meta.PollBudgetCycles["cpu-driver"] = WaitPolicy.Default.PollCycles;
        meta.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"duration={s.Duration.TotalSeconds:0.###} s per timed run; repetitions={s.Repetitions}; warmup={s.Warmup.TotalSeconds:0.###} s untimed load per series; one sample = one timed run; rows give the median over runs and its 95% CI"));
        meta.Notes.Add("all traffic is loopback (127.0.0.1) inside this machine: no NIC, no wire. The multikernel 'NIC' is a socket owned by the driver dispatcher on its own core, polled by it (modelled hardware, real kernel socket I/O); " +
                       "packet and request bytes cross cores through shared unmanaged buffers, and only descriptors cross by URPC (real messages between pinned cores)");
        meta.Notes.Add($"load average at start: {LoadAverage.Read()}");
        var points = Plan(s, allowed, meta.Notes, stderr);
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
            ? $"  {r.Series,-22} {r.Metric,-16} {r.Note}"
            : string.Create(CultureInfo.InvariantCulture, $"  {r.Series,-22} {r.Metric,-16} {r.Median,12:0.##} {r.Unit,-10} [{r.CiLow:0.##}, {r.CiHigh:0.##}] n={r.Samples} {r.Verified}"),
    };

    /// <summary>The series to run, in order. A series that cannot run here becomes a point that records a skip row with the reason.</summary>
    public static List<PlannedPoint> Plan(IoSettings s, IReadOnlyList<int> allowed, List<string> notes, TextWriter stderr)
    {
        var points = new List<PlannedPoint>();
        void NoteShared(string part, LoadPlacement load)
        {
            if (!load.Shared) return;
            string line = $"{part}: {load.Description}";
            notes.Add(line);
            stderr.WriteLine($"io-webserver: {line}");
        }
        double runCost = s.Warmup.TotalSeconds + s.Repetitions * s.Duration.TotalSeconds;
        bool two = s.Cores.Length >= 2;
        void Skip(string name, string series, int cores, string metric, string unit, string reason)
        {
            stderr.WriteLine($"io-webserver: {series} skipped: {reason}");
            notes.Add($"{series} skipped: {reason}");
            points.Add(new PlannedPoint(name, 0.01, () => [Rows.Skipped(series, cores, "", metric, unit, reason)]));
        }
        if (s.Only.Contains(IoSettings.Udp))
        {
            var load = LoadPlacement.For(s.Cores, 2, allowed);
            NoteShared("UDP echo", load);
            if (two)
                points.Add(new PlannedPoint("udp/mk", runCost, () => UdpEchoSeries.Measure(UdpEchoSeries.MkSeries,
                    () => MkUdpEchoServer.Start(s.Cores[0], s.Cores[1], s.PayloadBytes), load.Cores[0], s,
                    $"driver dispatcher on core {s.Cores[0]}, echo stack dispatcher on core {s.Cores[1]}; {load.Description}")));
            else
                Skip("udp/mk", UdpEchoSeries.MkSeries, 2, "packets_per_s", "packets/s", TooFewCores(s, 2, "a driver core and a stack core"));
            points.Add(new PlannedPoint("udp/host", runCost, () => UdpEchoSeries.Measure(UdpEchoSeries.HostSeries,
                () => HostUdpEchoServer.Start(s.Cores[0], s.PayloadBytes), load.Cores[0], s,
                $"blocking receive/send loop on one thread pinned to core {s.Cores[0]}; {load.Description}")));
        }
        if (s.Only.Contains(IoSettings.Static))
        {
            // wrk gets up to WrkCores free cores (one wrk thread each), so that on a big machine the load generator is not the bottleneck.
            var load = LoadPlacement.For(s.Cores, 2, allowed, WrkCores);
            var server = s.Cores.Take(2).ToArray();
            NoteShared("web static", load);
            string? noWrk = Tools.Wrk == null ? Tools.MissingReason("wrk") : null;
            if (noWrk != null)
                Skip("static/mk", WebSeries.StaticMk, 2, "requests_per_s", "requests/s", noWrk);
            else if (!two)
                Skip("static/mk", WebSeries.StaticMk, 2, "requests_per_s", "requests/s", TooFewCores(s, 2, "a driver core and an HTTP server core"));
            else
                points.Add(new PlannedPoint("static/mk", runCost, () => WebSeries.Measure(WebSeries.StaticMk, () => MkWebServer.Start(server), WebCheck.Static, StaticPage.Path, null, load, s,
                    $"TCP NIC driver dispatcher on core {server[0]} (epoll-polled sockets), HTTP server dispatcher on core {server[1]}")));
            if (noWrk != null)
                Skip("static/kestrel", WebSeries.StaticKestrel, server.Length, "requests_per_s", "requests/s", noWrk);
            else
                points.Add(new PlannedPoint("static/kestrel", runCost + 2, () => WebSeries.Measure(WebSeries.StaticKestrel, () => KestrelBaseline.Start(server), WebCheck.Static, StaticPage.Path, null, load, s,
                    $"ASP.NET Core Kestrel minimal API in a child process pinned with taskset to cores {CoreList.Format(server)}")));
            string? noLighttpd = noWrk ?? (Tools.Lighttpd == null ? Tools.MissingReason("lighttpd") : null);
            if (noLighttpd != null)
                Skip("static/lighttpd", WebSeries.StaticLighttpd, server.Length, "requests_per_s", "requests/s", noLighttpd);
            else
                points.Add(new PlannedPoint("static/lighttpd", runCost, () => WebSeries.Measure(WebSeries.StaticLighttpd, () => LighttpdServer.Start(server), WebCheck.Static, StaticPage.Path, null, load, s,
                    $"lighttpd (single-threaded event loop) pinned with taskset to cores {CoreList.Format(server)}")));
        }
        if (s.Only.Contains(IoSettings.Dynamic))
        {
            // The database gets a core of its own when a third is given; on two it shares the HTTP server's core.
            var server = s.Cores.Take(3).ToArray();
            var load = LoadPlacement.For(s.Cores, server.Length, allowed, WrkCores);
            NoteShared("web dynamic", load);
            string? noWrk = Tools.Wrk == null ? Tools.MissingReason("wrk") : null;
            string dbPlace = server.Length >= 3 ? $"database dispatcher on core {server[2]}" : $"database dispatcher shares core {server[^1]} with the HTTP server (only 2 cores given)";
            if (noWrk != null)
                Skip("dynamic/mk", WebSeries.DynamicMk, 2, "requests_per_s", "requests/s", noWrk);
            else if (!two)
                Skip("dynamic/mk", WebSeries.DynamicMk, 2, "requests_per_s", "requests/s", TooFewCores(s, 2, "a driver core and an HTTP server core; a third gives the database its own"));
            else
                points.Add(new PlannedPoint("dynamic/mk", runCost, () => DynamicSeries.Measure(WebSeries.DynamicMk,
                    db => MkWebServer.Start(server, (http, txPool) => new DatabaseDispatcher(http, txPool, db)), load, s,
                    $"TCP NIC driver dispatcher on core {server[0]}, HTTP server dispatcher on core {server[1]}, {dbPlace}; SQLite (Microsoft.Data.Sqlite) opened on the database core")));
            if (noWrk != null)
                Skip("dynamic/kestrel", WebSeries.DynamicKestrel, server.Length, "requests_per_s", "requests/s", noWrk);
            else
                points.Add(new PlannedPoint("dynamic/kestrel", runCost + 2, () => DynamicSeries.Measure(WebSeries.DynamicKestrel, db => KestrelBaseline.Start(server, db), load, s,
                    $"ASP.NET Core Kestrel minimal API in a child process pinned with taskset to cores {CoreList.Format(server)}, one SQLite connection per thread-pool thread")));
        }
        return points;
    }

    static string TooFewCores(IoSettings s, int needed, string what) =>
        $"the multikernel variant needs {needed} cores ({what}) and --cores gives {s.Cores.Length} ({CoreList.Format(s.Cores)})";
}

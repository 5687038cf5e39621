using System.Globalization;
using Experiments.Common;

namespace IOWebserver;

/// <summary>
/// Measures one web server series: start the server, check its answers (<see cref="WebCheck"/>), one untimed wrk
/// warm-up run, then the timed wrk runs, each a fresh set of keep-alive connections; stop the server.
/// Rows: requests_per_s, mbit_per_s (wrk's Transfer/sec: response heads and bodies), p50_latency_us, p99_latency_us.
/// Verified: pass when the check passed, no wrk run, the warm-up included, saw a socket error or a status above 399 (what
/// wrk counts), and the warm-up run, which counts every status (<see cref="WrkRunner.StatusCounter"/>), saw none outside
/// 2xx (<see cref="Failure"/>).
/// </summary>
public static class WebSeries
{
    public const string StaticMk = "web static/mk", StaticKestrel = "web static/kestrel", StaticLighttpd = "web static/lighttpd";
    public const string DynamicMk = "web dynamic/mk", DynamicKestrel = "web dynamic/kestrel";

    /// <summary>What <see cref="WebCheck.Static(Func{HttpClientConnection})"/> checks, for the rows' note.</summary>
    public const string StaticChecks = "200, Content-Length and exact page on a kept-alive connection with pipelining before the load";
    /// <summary>What <see cref="WebCheck.Dynamic(Func{HttpClientConnection}, string, int)"/> checks, for the rows' note.</summary>
    public const string DynamicChecks = "item pages 1, 2 and the last (pipelined), then one from the middle on the kept-alive connection, each equal to the page " +
                                        "rendered from the database file, and 404 for an id past the end, before the load";

    /// <param name="check">Correctness check of the running server: null when right, else what is wrong.</param>
    /// <param name="path">Request path for wrk, or null when <paramref name="luaScript"/> makes the requests.</param>
    /// <param name="stack">"user" or "kernel" for a multikernel series (Param stack=), null for a baseline.</param>
    /// <param name="veth">True: the series runs on its own veth wire (made here, removed after), wrk and the check in the far namespace; false: loopback.</param>
    /// <param name="checks">What <paramref name="check"/> checks, in words, for the rows' note.</param>
    public static IReadOnlyList<ResultRow> Measure(string series, string? stack, bool veth, Func<SeriesWire, IWebServer> start, Func<Func<HttpClientConnection>, string?> check,
                                                   string? path, string? luaScript, LoadPlacement load, IoSettings s, string what, string checks = StaticChecks)
    {
        using var wire = veth ? SeriesWire.CreateVeth(s.RxSteering) : SeriesWire.Loopback();
        using var server = start(wire);
        // wrk runs one thread per core, at most one per connection: with fewer connections than load cores, on the first ones.
        var wrkCores = load.Cores[..WrkRunner.Threads(load.Cores.Length, s.Connections)];
        wire.SteerReceive(server.Cores, wrkCores);
        string? problem = check(() => wire.Connect(server.Port));
        string url = $"http://{server.Address}:{server.Port}{path ?? "/"}";
        // The untimed warm-up counts every status; the timed runs leave wrk's own count (statuses above 399), as a Lua
        // call per response would cost wrk throughput.
        var warm = WrkRunner.Run(url, s.Warmup, s.Connections, wrkCores, luaScript, wire.ClientNamespace, countStatuses: true);
        var runs = new List<WrkResult>();
        var busy = new CoreBusyRecord(server.Cores, wrkCores);
        for (int r = 0; r < s.Repetitions; r++)
        {
            busy.Begin();
            runs.Add(WrkRunner.Run(url, s.Duration, s.Connections, wrkCores, luaScript, wire.ClientNamespace));
            busy.End();
        }
        string account = server.Stop();
        // A check after the load would be nicer, but the server is stopped to read its account; the check before
        // the load and wrk's status counts during it are what Verified rests on.
        string? failure = Failure(problem, warm, runs);
        bool clean = failure == null;
        int wrkSeconds = Math.Max(1, (int)Math.Round(s.Duration.TotalSeconds));
        int threads = wrkCores.Length, connections = WrkRunner.OpenConnections(wrkCores.Length, s.Connections);
        string param = string.Create(CultureInfo.InvariantCulture, $"{(stack != null ? $"stack={stack};" : "")}{wire.Param};connections={connections};duration_s={wrkSeconds};wrk_threads={threads}");
        string rounded = connections == s.Connections ? ""
            : $"wrk kept {connections} connections open, not the {s.Connections} asked: it opens {s.Connections}/{threads} (rounded down) on each of its {threads} threads; ";
        string note = (clean ? "" : $"CHECK FAILED: {failure}; ") +
                      $"checks: {checks}; {rounded}wrk: {runs.Sum(x => x.Requests)} timed requests, " +
                      $"{runs.Sum(x => x.Non2xx)} non-2xx (wrk: status above 399), {runs.Sum(x => x.SocketErrors)} socket errors (warm-up, every status counted: {warm.Describe()}); server: {what}; {account}; {load.Description}; {busy.Describe()}; network: {wire.Describe()}";
        int cores = server.Cores.Count;
        return
        [
            Rows.Of(series, cores, param, "requests_per_s", "requests/s", runs.Select(x => x.RequestsPerSecond).ToArray(), clean, note),
            Rows.Of(series, cores, param, "mbit_per_s", "Mbit/s", runs.Select(x => x.BytesPerSecond * 8 / 1e6).ToArray(), clean, "wrk Transfer/sec (response heads and bodies); " + note),
            Rows.Of(series, cores, param, "p50_latency_us", "us", runs.Select(x => x.P50Us).ToArray(), clean, "median over runs of wrk's 50% latency; " + note),
            Rows.Of(series, cores, param, "p99_latency_us", "us", runs.Select(x => x.P99Us).ToArray(), clean, "median over runs of wrk's 99% latency; " + note),
            .. busy.Rows(series, cores, param, note),
        ];
    }

    /// <summary>
    /// What Verified rests on, as text: null when the check before the load passed and every wrk run, the untimed
    /// warm-up included, got no socket error and no status wrk counts (above 399), and the warm-up, where counted, no
    /// status outside 2xx; else what failed.
    /// </summary>
    public static string? Failure(string? problem, WrkResult warmup, IReadOnlyList<WrkResult> runs)
    {
        var failed = new List<string>();
        if (problem != null) failed.Add(problem);
        if (!warmup.Clean) failed.Add("wrk warm-up: " + warmup.Describe());
        failed.AddRange(runs.Where(x => !x.Clean).Select(x => "wrk run: " + x.Describe()));
        return failed.Count == 0 ? null : string.Join("; ", failed);
    }
}

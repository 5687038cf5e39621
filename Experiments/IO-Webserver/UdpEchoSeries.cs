using System.Globalization;
using Experiments.Common;

namespace IOWebserver;

/// <summary>
/// Measures one UDP echo series: start the server, one untimed warm-up load run, then the timed repetitions, each a
/// fresh closed-loop run of the load generator; stop the server and check its own account against the generator's.
/// Rows: packets_per_s, mbit_per_s (payload bits one way), p50_latency_us, p99_latency_us.
/// </summary>
public static class UdpEchoSeries
{
    public const string MkSeries = "UDP echo/mk", HostSeries = "UDP echo/host";
    /// <summary>Upper bound on datagrams per load run, whatever the duration.</summary>
    public const long MaxPacketsPerRun = 50_000_000;

    /// <param name="stack">"user" or "kernel" for a multikernel series (Param stack=), null for a host baseline.</param>
    /// <param name="veth">True: the series runs on its own veth wire (made here, removed after), clients in the far namespace; false: loopback.</param>
    /// <param name="loadCores">The load generator's cores: one thread on each of the first min(cores, --flows).</param>
    public static IReadOnlyList<ResultRow> Measure(string series, string? stack, bool veth, Func<SeriesWire, IUdpEchoServer> start, IReadOnlyList<int> loadCores, IoSettings s, string placement)
    {
        using var wire = veth ? SeriesWire.CreateVeth(s.RxSteering) : SeriesWire.Loopback();
        using var server = start(wire);
        var load = new UdpLoadSettings(server.Port, s.PayloadBytes, s.Flows, s.Window, s.Warmup, MaxPacketsPerRun, loadCores) { Address = server.Address, Namespace = wire.ClientNamespace };
        var generatorCores = loadCores.Take(load.Threads).ToArray();
        wire.SteerReceive(server.Cores, generatorCores);
        var warm = UdpLoadGenerator.Run(load);
        var runs = new List<UdpLoadResult>();
        var busy = new CoreBusyRecord(server.Cores, generatorCores);
        for (int r = 0; r < s.Repetitions; r++)
        {
            busy.Begin();
            runs.Add(UdpLoadGenerator.Run(load with { Duration = s.Duration }));
            busy.End();
        }
        string account = server.Stop();
        bool balanced = server switch { MkUdpEchoServer mk => mk.Balanced, MkUserUdpEchoServer user => user.Balanced, _ => true };
        bool clean = warm.Clean && runs.All(x => x.Clean) && balanced;
        int cores = server.Cores.Count;
        string param = string.Create(CultureInfo.InvariantCulture, $"{(stack != null ? $"stack={stack};" : "")}{wire.Param};payload={s.PayloadBytes};flows={s.Flows};window={s.Window};duration_s={s.Duration.TotalSeconds:0.###};load_threads={load.Threads}");
        var problems = (balanced ? [] : new[] { "server account unbalanced" })
            .Concat(warm.Clean ? [] : ["warm-up: " + warm.Describe()])
            .Concat(runs.Where(x => !x.Clean).Select(x => "run: " + x.Describe()));
        string note = (clean ? "" : $"CHECK FAILED: {string.Join("; ", problems)}; ") +
                      $"checks: every reply has the right length, flow, next sequence of its flow and intact payload, nothing lost ({runs.Sum(x => x.Received)} replies timed); " +
                      $"server: {account}; {placement}; {busy.Describe()}; network: {wire.Describe()}";
        var pps = runs.Select(x => x.PacketsPerSecond).ToArray();
        string sampled = runs.Any(x => x.LatencyNs.Length < x.Received)
            ? $" (over a uniform sample of at most {UdpLoadGenerator.MaxLatencySamples} replies per run where a generator thread saw more than its share of them)"
            : " (over every reply)";
        return
        [
            Rows.Of(series, cores, param, "packets_per_s", "packets/s", pps, clean, note),
            Rows.Of(series, cores, param, "mbit_per_s", "Mbit/s", pps.Select(p => p * s.PayloadBytes * 8 / 1e6).ToArray(), clean, "payload bits one way (UDP/IP headers not counted); " + note),
            LatencyRow(series, cores, param, "p50_latency_us", 0.50, runs, clean, $"median over repetitions of each run's median round trip{sampled}; " + note),
            LatencyRow(series, cores, param, "p99_latency_us", 0.99, runs, clean, $"median over repetitions of each run's 99th-percentile round trip{sampled}; " + note),
            .. busy.Rows(series, cores, param, note),
        ];
    }

    /// <summary>
    /// A latency row (µs): the median over the runs of each run's <paramref name="q"/>-quantile round trip. A run without
    /// replies has no round trip (and fails the series' checks): it is left out and the note says how many were; where
    /// no run had a reply the row has no number (NaN, 0 samples).
    /// </summary>
    public static ResultRow LatencyRow(string series, int cores, string param, string metric, double q, IReadOnlyList<UdpLoadResult> runs, bool clean, string note)
    {
        var perRun = runs.Where(x => x.LatencyNs.Length > 0).Select(x => x.Percentile(q) / 1000).ToArray();
        int without = runs.Count - perRun.Length;
        if (without > 0) note = $"{without} of {runs.Count} runs had no reply and so no round trip: not in the median; " + note;
        return perRun.Length > 0 ? Rows.Of(series, cores, param, metric, "us", perRun, clean, note)
            : Rows.Unmeasured(series, cores, param, metric, "us", clean, note);
    }
}

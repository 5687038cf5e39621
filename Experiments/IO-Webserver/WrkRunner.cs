using System.Globalization;
using System.Text.RegularExpressions;

namespace IOWebserver;

/// <summary>
/// Runs wrk (pinned with taskset) against a URL for a fixed duration with --latency, with <see cref="Threads"/> threads and
/// <see cref="OpenConnections"/> connections, and parses its report:
/// Requests/sec, Transfer/sec, the 50% and 99% latency, request count, non-2xx responses and socket errors.
/// </summary>
public static partial class WrkRunner
{
    /// <param name="netns">Network namespace to run wrk in (the far end of the veth wire), or null for this one.</param>
    public static WrkResult Run(string url, TimeSpan duration, int connections, IReadOnlyList<int> cores, string? luaScript = null, string? netns = null)
    {
        string wrk = Tools.Wrk ?? throw new InvalidOperationException(Tools.MissingReason("wrk"));
        var args = new List<string>
        {
            "-t", Threads(cores.Count, connections).ToString(CultureInfo.InvariantCulture), "-c", OpenConnections(cores.Count, connections).ToString(CultureInfo.InvariantCulture),
            "-d", string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, (int)Math.Round(duration.TotalSeconds))}s"), "--latency", "--timeout", "5s",
        };
        if (luaScript != null) args.AddRange(["-s", luaScript]);
        args.Add(url);
        using var p = ChildProcess.Start(wrk, args, cores, netns: netns);
        if (!p.WaitForExit(duration + TimeSpan.FromSeconds(20))) throw new TimeoutException($"wrk did not finish: {p.CommandLine}");
        if (p.ExitCode != 0) throw new InvalidOperationException($"wrk exited with {p.ExitCode}: {p.Errors.Trim()} {p.Output.Trim()}");
        return Parse(p.Output);
    }

    /// <summary>wrk's threads for a load on <paramref name="cores"/> cores: one per core, at most one per connection.</summary>
    public static int Threads(int cores, int connections) => Math.Min(cores, connections);

    /// <summary>
    /// The connections wrk keeps open when <paramref name="connections"/> are asked on <paramref name="cores"/> cores: it
    /// opens connections / threads (rounded down) on each of its <see cref="Threads"/>, so a count that is not a multiple
    /// of the threads is rounded down to one (32 on 3 threads: 30).
    /// </summary>
    public static int OpenConnections(int cores, int connections)
    {
        int threads = Threads(cores, connections);
        return connections / threads * threads;
    }

    public static WrkResult Parse(string output)
    {
        double rps = Number(RequestsPerSec().Match(output), "Requests/sec");
        var t = TransferPerSec().Match(output);
        double bps = Number(t, "Transfer/sec") * Unit(t.Groups[2].Value);
        double p50 = Latency(output, "50%"), p99 = Latency(output, "99%");
        var req = RequestCount().Match(output);
        long requests = req.Success ? long.Parse(req.Groups[1].Value, CultureInfo.InvariantCulture) : throw new FormatException("wrk output has no 'N requests in' line");
        var non2xx = Non2xx().Match(output);
        var se = SocketErrorsLine().Match(output);
        long socketErrors = se.Success ? Enumerable.Range(1, 4).Sum(i => long.Parse(se.Groups[i].Value, CultureInfo.InvariantCulture)) : 0;
        return new WrkResult(rps, bps, p50, p99, requests, non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0, socketErrors, output);
    }

    static double Number(Match m, string what) =>
        m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : throw new FormatException($"wrk output has no {what} line");

    static double Unit(string u) => u switch { "B" or "" => 1, "KB" => 1024, "MB" => 1024.0 * 1024, "GB" => 1024.0 * 1024 * 1024, _ => throw new FormatException($"unknown wrk byte unit '{u}'") };

    static double Latency(string output, string percentile)
    {
        var m = Regex.Match(output, @"^\s*" + Regex.Escape(percentile) + @"\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!m.Success) throw new FormatException($"wrk output has no {percentile} latency line (was --latency given?)");
        double v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => v, "ms" => v * 1e3, _ => v * 1e6 };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")] private static partial Regex RequestsPerSec();
    [GeneratedRegex(@"Transfer/sec:\s+([\d.]+)([KMG]?B)")] private static partial Regex TransferPerSec();
    [GeneratedRegex(@"(\d+) requests in")] private static partial Regex RequestCount();
    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")] private static partial Regex Non2xx();
    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")] private static partial Regex SocketErrorsLine();
}

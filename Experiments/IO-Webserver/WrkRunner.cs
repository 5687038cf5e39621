using System.Globalization;
using System.Text.RegularExpressions;
using Experiments.Common;

namespace IOWebserver;

/// <summary>
/// Runs wrk (pinned with taskset) against a URL for a fixed duration with --latency, with <see cref="Threads"/> threads and
/// <see cref="OpenConnections"/> connections, and parses its report:
/// Requests/sec, Transfer/sec, the 50% and 99% latency, request count, wrk's "Non-2xx or 3xx responses" (which counts
/// only statuses above 399) and socket errors; with countStatuses also every status outside 2xx (<see cref="StatusCounter"/>).
/// </summary>
public static partial class WrkRunner
{
    /// <param name="netns">Network namespace to run wrk in (the far end of the veth wire), or null for this one.</param>
    /// <param name="countStatuses">Also count every response whose status is outside 200..299 (<see cref="WrkResult.Outside2xx"/>):
    /// <paramref name="luaScript"/> (if any) runs with <see cref="StatusCounter"/> appended, a Lua call per response that
    /// costs wrk throughput, so it is meant for the untimed warm-up run.</param>
    public static WrkResult Run(string url, TimeSpan duration, int connections, IReadOnlyList<int> cores, string? luaScript = null, string? netns = null,
                                bool countStatuses = false)
    {
        using var scratch = countStatuses ? ScratchFolder.Create("io-webserver-wrk") : null;
        if (scratch != null)
        {
            string counting = Path.Combine(scratch.Path, "statuses.lua");
            File.WriteAllText(counting, (luaScript != null ? File.ReadAllText(luaScript) + "\n" : "") + StatusCounter);
            luaScript = counting;
        }
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
        var r = Parse(p.Output);
        if (!countStatuses) return r;
        var counted = Outside2xxLine().Match(p.Output);
        if (!counted.Success) throw new FormatException($"wrk output has no '{Outside2xxLabel}' line although its status counter was given: {p.Output.Trim()}");
        return r with { Outside2xx = long.Parse(counted.Groups[1].Value, CultureInfo.InvariantCulture) };
    }

    const string Outside2xxLabel = "Responses outside 2xx:";

    /// <summary>
    /// Lua appended to a wrk script to count the responses whose status is outside 200..299 in each thread's state
    /// (wrk's own count takes only statuses above 399) and print their sum when wrk is done. It keeps a setup or done
    /// function the script before it defines, calling it first.
    /// </summary>
    public const string StatusCounter = $$"""
        local repro_setup, repro_done, repro_threads = setup, done, {}
        repro_outside_2xx = 0
        function setup(thread)
          table.insert(repro_threads, thread)
          if repro_setup then repro_setup(thread) end
        end
        function response(status, headers, body)
          if status < 200 or status > 299 then repro_outside_2xx = repro_outside_2xx + 1 end
        end
        function done(summary, latency, requests)
          if repro_done then repro_done(summary, latency, requests) end
          local n = 0
          for _, t in ipairs(repro_threads) do n = n + t:get("repro_outside_2xx") end
          io.write(string.format("{{Outside2xxLabel}} %d\n", n))
        end
        """;

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
    [GeneratedRegex(@"^Responses outside 2xx: (\d+)$", RegexOptions.Multiline)] private static partial Regex Outside2xxLine();
    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")] private static partial Regex SocketErrorsLine();
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Benchmarks.Tests;

/// <summary>Builds BenchmarkDotNet-shaped full-JSON reports from given per-operation times, in a temporary folder.</summary>
public sealed class SyntheticResults : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "bench-tests-" + Guid.NewGuid().ToString("N"));

    public SyntheticResults() => Directory.CreateDirectory(Dir);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>Per-operation times from a seeded normal distribution (Box-Muller), deterministic per seed.</summary>
    public static double[] Normal(double mean, double sd, int n, int seed)
    {
        var r = new Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1 - r.NextDouble(), u2 = r.NextDouble();
            v[i] = mean + sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        return v;
    }

    /// <summary>Half the values around <paramref name="low"/>, half around <paramref name="high"/>, interleaved.</summary>
    public static double[] Bimodal(double low, double high, double sd, int n, int seed)
    {
        var a = Normal(low, sd, n, seed);
        var b = Normal(high, sd, n, seed + 1000);
        return Enumerable.Range(0, n).Select(i => i % 2 == 0 ? a[i] : b[i]).ToArray();
    }

    /// <summary>Writes a report with one benchmark per entry of <paramref name="benchmarks"/> (name -> ns per op); returns its path.</summary>
    public string Write(string name, IReadOnlyDictionary<string, double[]> benchmarks, string processor = "AMD EPYC", int logicalCores = 2, string? host = null)
    {
        string folder = Path.Combine(Dir, name);
        string results = Path.Combine(folder, "bdn", "results");
        Directory.CreateDirectory(results);
        var list = new JsonArray();
        foreach (var (full, ns) in benchmarks)
        {
            const long ops = 1000;
            var ms = new JsonArray();
            // Pilot and overhead measurements that the comparer must ignore.
            ms.Add(new JsonObject { ["IterationMode"] = "Workload", ["IterationStage"] = "Pilot", ["LaunchIndex"] = 1, ["IterationIndex"] = 1, ["Operations"] = 16, ["Nanoseconds"] = 1e9 });
            ms.Add(new JsonObject { ["IterationMode"] = "Overhead", ["IterationStage"] = "Actual", ["LaunchIndex"] = 1, ["IterationIndex"] = 1, ["Operations"] = ops, ["Nanoseconds"] = 1.0 });
            for (int i = 0; i < ns.Length; i++)
                ms.Add(new JsonObject { ["IterationMode"] = "Workload", ["IterationStage"] = "Actual", ["LaunchIndex"] = 1, ["IterationIndex"] = i + 1, ["Operations"] = ops, ["Nanoseconds"] = ns[i] * ops });
            int dot = full.LastIndexOf('.');
            list.Add(new JsonObject
            {
                ["FullName"] = full, ["Method"] = full[(dot + 1)..], ["Type"] = "UrpcBenchmarks",
                ["Memory"] = new JsonObject { ["BytesAllocatedPerOperation"] = 0 },
                ["Measurements"] = ms,
            });
        }
        var doc = new JsonObject
        {
            ["Title"] = name,
            ["HostEnvironmentInfo"] = new JsonObject
            {
                ["ProcessorName"] = processor, ["PhysicalProcessorCount"] = 1, ["PhysicalCoreCount"] = logicalCores, ["LogicalCoreCount"] = logicalCores,
                ["OsVersion"] = "Linux Debian GNU/Linux 12 (bookworm)", ["RuntimeVersion"] = ".NET 10.0.12", ["Architecture"] = "X64",
            },
            ["Benchmarks"] = list,
        };
        string path = Path.Combine(results, "Benchmarks.Suite.UrpcBenchmarks-report-full.json");
        File.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (host != null)
            File.WriteAllText(Path.Combine(folder, "meta.json"), new JsonObject { ["experiment"] = "urpc-bench", ["host"] = host, ["cpuModel"] = processor, ["tscGHz"] = 2.6, ["profile"] = "short", ["commit"] = "abc1234" }.ToJsonString());
        return path;
    }

    public string WriteRaw(string fileName, string text)
    {
        string path = Path.Combine(Dir, fileName);
        File.WriteAllText(path, text);
        return path;
    }
}

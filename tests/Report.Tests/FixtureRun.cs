using Experiments.Schema;
using Report.Catalog;

namespace Report.Tests;

/// <summary>
/// A run folder made for a test in a fresh temporary directory, written with the suite's own ResultsFile and
/// RunMeta so the report reads exactly what experiments write. The numbers are test inputs, not measurements.
/// Deleted on dispose.
/// </summary>
public sealed class FixtureRun : IDisposable
{
    public string Root { get; }
    public string RunDir { get; }

    public FixtureRun(string name = "fixturehost-20260101T100000Z")
    {
        Root = Directory.CreateTempSubdirectory("report-tests-").FullName;
        RunDir = Path.Combine(Root, name);
        Directory.CreateDirectory(RunDir);
    }

    public static RunMeta Meta(string experiment, string status = "complete", params string[] incomplete) => new()
    {
        Experiment = experiment,
        Status = status,
        Machine = "fixturehost (Fixture CPU, 2 cpus)",
        Host = "fixturehost",
        CpuModel = "Fixture CPU model 9000",
        Packages = 1,
        NumaNodes = 1,
        L3Domains = 1,
        LogicalCpus = 2,
        CoresUsed = "0-1",
        TscGHz = 2.5,
        ClockSource = "rdtsc",
        Kernel = "6.1.0-fixture",
        DotNet = ".NET 10.0.0",
        Commit = "fix1234",
        Started = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero),
        Finished = status == "complete" ? new DateTimeOffset(2026, 1, 1, 10, 2, 0, TimeSpan.Zero) : null,
        Command = "fixture",
        Profile = "quick",
        Incomplete = incomplete.ToList(),
    };

    public static ResultRow Row(string experiment, string series, int cores, double median, string metric = "cycles_per_update",
        string unit = "cycles", string param = "", string verified = "", string note = "") => new()
    {
        Experiment = experiment, Series = series, Cores = cores, Param = param, Metric = metric, Unit = unit,
        Median = median, CiLow = median * 0.95, CiHigh = median * 1.05,
        MedianNs = unit == "cycles" ? median / 2.5 : double.NaN, Samples = 11, Verified = verified, Note = note,
    };

    /// <summary>A row as the experiments write a point that could not run here: no value, no samples, the reason in the note.</summary>
    public static ResultRow Skipped(string experiment, string series, int cores, string metric, string unit, string reason, string param = "") => new()
    {
        Experiment = experiment, Series = series, Cores = cores, Param = param, Metric = metric, Unit = unit,
        Median = double.NaN, CiLow = double.NaN, CiHigh = double.NaN, MedianNs = double.NaN, Samples = 0, Verified = "", Note = "skipped: " + reason,
    };

    /// <summary>A row as the compute experiment writes a point that failed verification: NaN values, Verified = fail.</summary>
    public static ResultRow FailedNaN(string experiment, string series, int cores, string metric, string unit, string note, string param = "") => new()
    {
        Experiment = experiment, Series = series, Cores = cores, Param = param, Metric = metric, Unit = unit,
        Median = double.NaN, CiLow = double.NaN, CiHigh = double.NaN, MedianNs = double.NaN, Samples = 3, Verified = "fail", Note = note,
    };

    /// <summary>Describes a machine with <paramref name="packages"/> packages and NUMA nodes (for claims that depend on it).</summary>
    public static RunMeta MetaOn(string experiment, int packages, int cpus)
    {
        var m = Meta(experiment);
        m.Packages = packages;
        m.NumaNodes = packages;
        m.LogicalCpus = cpus;
        return m;
    }

    public string Write(string experiment, IEnumerable<ResultRow> rows, RunMeta? meta = null)
    {
        string dir = Path.Combine(RunDir, experiment);
        ResultsFile.Write(dir, rows);
        (meta ?? Meta(experiment)).Save(dir);
        return dir;
    }

    /// <summary>Writes <paramref name="text"/> to a file named <paramref name="name"/> in <see cref="Root"/>, beside the run folder; returns its path.</summary>
    public string WriteFile(string name, string text)
    {
        string path = Path.Combine(Root, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Fig 1 on a 2-core machine: every series of paper Fig. 3 at 1 and 2 cores.</summary>
    public FixtureRun WithFig1()
    {
        var rows = new List<ResultRow>();
        string[] series = ["SHM1", "SHM2", "SHM4", "SHM8", "MSG1", "MSG8", "Server", "HostLock"];
        for (int s = 0; s < series.Length; s++)
            for (int c = 1; c <= 2; c++)
                rows.Add(Row(ExperimentCatalog.Fig1, series[s], c, 300 + 250 * s * c));
        Write(ExperimentCatalog.Fig1, rows);
        return this;
    }

    public const double FailedMedian = 777.125;

    /// <summary>Compute: CG and IS on both runtimes; one IS point failed verification (median <see cref="FailedMedian"/>).</summary>
    public FixtureRun WithCompute()
    {
        var rows = new List<ResultRow>();
        foreach (var bench in new[] { "cg", "is" })
            foreach (var rt in new[] { "mk", "host" })
                for (int c = 1; c <= 2; c++)
                    rows.Add(Row(ExperimentCatalog.Compute, $"{bench.ToUpperInvariant()}/{rt}", c, (rt == "mk" ? 4.0 : 3.0) / c,
                        "seconds", "s", $"class=S;bench={bench}", "pass"));
        rows.Add(Row(ExperimentCatalog.Compute, "IS/host", 3, FailedMedian, "seconds", "s", "class=S;bench=is", "fail", "checksum differs"));
        Write(ExperimentCatalog.Compute, rows);
        return this;
    }

    public FixtureRun WithUrpcTables()
    {
        Write(ExperimentCatalog.UrpcTables,
        [
            Row(ExperimentCatalog.UrpcTables, "LRPC same-core", 1, 901, "latency"),
            Row(ExperimentCatalog.UrpcTables, "URPC latency", 2, 455, "latency"),
            Row(ExperimentCatalog.UrpcTables, "URPC throughput", 2, 3.3, "throughput", "msgs/kcycle"),
        ]);
        return this;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

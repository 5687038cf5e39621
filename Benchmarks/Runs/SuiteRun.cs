using System.Globalization;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Benchmarks.Comparison;
using Benchmarks.History;
using Benchmarks.Suite;
using Experiments.Common;
using Multikernel.Hardware;

namespace Benchmarks.Runs;

/// <summary>
/// Runs the BenchmarkDotNet suite in this process and writes the run folder: <c>meta.json</c> (machine, cores,
/// commit, status), <c>results.csv</c> (medians with 95% CI in cycles and ns, the rows the report reads) and
/// BenchmarkDotNet's artifacts under <c>bdn/</c> (full JSON, GitHub Markdown, log). Prints a summary in cycles and
/// ns, and appends the medians to the history when asked.
/// </summary>
public static class SuiteRun
{
    public const string Experiment = "urpc-bench";
    public const string BdnFolder = "bdn";
    /// <summary>The exit code of a run in which a benchmark did not complete (failed, or none matched the filter).</summary>
    public const int ExitIncomplete = 3;

    public static int Execute(SuiteRunOptions o, TextWriter stdout, TextWriter stderr)
    {
        // The in-process benchmarks read the cores from the environment (they run inside BenchmarkDotNet's engine).
        Environment.SetEnvironmentVariable(BenchmarkCores.EnvironmentVariable, o.Cores.ToString());
        Directory.CreateDirectory(o.OutDir);
        string profile = o.Profile == SuiteProfile.Short ? "short" : "full";
        var meta = RunMeta.Describe(Experiment, [o.Cores.Local, o.Cores.Remote], profile);
        meta.PollBudgetCycles["cpu-driver"] = UrpcBenchmarks.DriverWaitPolicy.PollCycles; // LrpcCpuDriver's one-core system
        if (PlantedSendDelay.Cycles != 0)
        {
            meta.Notes.Add($"PLANTED SLOWDOWN: {PlantedSendDelay.EnvironmentVariable}={PlantedSendDelay.Cycles} (every benchmark send spins this many cycles)");
            stderr.WriteLine($"warning: planted slowdown active: every benchmark URPC send spins {PlantedSendDelay.Cycles} cycles ({PlantedSendDelay.EnvironmentVariable})");
        }
        meta.Incomplete.Add("benchmarks not run yet");
        meta.Save(o.OutDir);

        var summary = BenchmarkRunner.Run<UrpcBenchmarks>(SuiteConfig.Create(o.Profile, Path.Combine(o.OutDir, BdnFolder), o.Filter));

        var failed = summary.Reports.Where(r => !r.Success).Select(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name).ToList();
        var rows = new List<ResultRow>();
        var lines = new List<string[]>();
        foreach (var report in summary.Reports.Where(r => r.Success))
            Describe(report, o, profile, rows, lines);

        meta.Incomplete.Clear();
        if (summary.HasCriticalValidationErrors) meta.Incomplete.Add("BenchmarkDotNet validation failed: " + string.Join("; ", summary.ValidationErrors.Select(e => e.Message)));
        meta.Incomplete.AddRange(failed.Select(f => $"{f}: failed (see {BdnFolder}/ log)"));
        if (summary.Reports.Length == 0 && !summary.HasCriticalValidationErrors) meta.Incomplete.Add($"no benchmark matched the filter '{o.Filter}'");
        foreach (var p in summary.Reports.Select(r => Placement.Of(r.BenchmarkCase.Descriptor.WorkloadMethod.Name)).Where(p => p != null && !p.WorkloadOnPinnedThread))
            meta.Incomplete.Add("a workload ran on a thread other than the pinned one: " + p!.Describe());
        meta.Status = meta.Incomplete.Count == 0 ? "complete" : "incomplete";
        meta.Finished = DateTimeOffset.UtcNow;
        ResultsFile.Write(o.OutDir, rows);
        meta.Save(o.OutDir);

        PrintSummary(stdout, lines, o, meta);
        if (o.HistoryPath != null && HistorySkipReason(PlantedSendDelay.Cycles, meta) is { } skip)
            stdout.WriteLine($"History: not appended ({skip})");
        else if (o.HistoryPath != null && rows.Count > 0)
        {
            var set = ResultSet.Load(Path.Combine(o.OutDir, BdnFolder));
            var records = HistoryRows(set, meta, profile, o.Cores);
            HistoryFile.Append(o.HistoryPath, records);
            stdout.WriteLine($"History: appended {records.Count} medians to {o.HistoryPath}");
        }
        foreach (var i in meta.Incomplete) stderr.WriteLine($"error: {i}");
        return meta.Status == "complete" ? 0 : ExitIncomplete;
    }

    /// <summary>
    /// Why this run's medians must not enter the history, or null: the history holds only complete runs of the
    /// unmodified send path (a run with a planted slowdown or an incomplete run is never recorded).
    /// </summary>
    public static string? HistorySkipReason(long plantedSendDelayCycles, RunMeta meta) =>
        plantedSendDelayCycles != 0 ? $"a planted slowdown of {plantedSendDelayCycles} cycles per send was active"
        : meta.Status != "complete" ? $"the run is {meta.Status}: {string.Join("; ", meta.Incomplete)}"
        : null;

    /// <summary>
    /// History lines for one side of a run: pooled median of each benchmark in <paramref name="set"/> with its 95% CI,
    /// and the comparer's verdict on it where <paramref name="verdicts"/> (benchmark full name to verdict) has one.
    /// </summary>
    public static List<HistoryRecord> HistoryRows(ResultSet set, RunMeta meta, string profile, BenchmarkCores cores, IReadOnlyDictionary<string, Verdict>? verdicts = null)
    {
        double ghz = meta.TscGHz;
        string date = (meta.Finished ?? DateTimeOffset.UtcNow).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        double Cycles(double ns, int digits) => ghz > 0 ? Math.Round(ns * ghz, digits) : double.NaN;
        return set.Benchmarks.Values.Where(b => b.NanosecondsPerOp.Count > 0).OrderBy(b => b.Name, StringComparer.Ordinal).Select(b =>
        {
            var summary = SampleSummary.Of([.. b.NanosecondsPerOp]);
            return new HistoryRecord
            {
                Commit = meta.Commit,
                Date = date,
                Host = meta.Host,
                Cpu = meta.CpuModel,
                Benchmark = ComparisonTable.ShortName(b.Name),
                MedianNs = Math.Round(summary.Median, 4),
                MedianCycles = Cycles(summary.Median, 1),
                Samples = b.NanosecondsPerOp.Count,
                Profile = profile,
                Cores = cores.ToString(),
                CiLowNs = Math.Round(summary.CiLow, 4),
                CiHighNs = Math.Round(summary.CiHigh, 4),
                CiLowCycles = Cycles(summary.CiLow, 1),
                CiHighCycles = Cycles(summary.CiHigh, 1),
                Verdict = verdicts != null && verdicts.TryGetValue(b.Name, out var v) ? v.ToString().ToLowerInvariant() : "",
            };
        }).ToList();
    }

    static void Describe(BenchmarkReport report, SuiteRunOptions o, string profile, List<ResultRow> rows, List<string[]> lines)
    {
        string method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
        double[] ns = report.AllMeasurements
            .Where(m => m.IterationMode == IterationMode.Workload && m.IterationStage == IterationStage.Actual)
            .Select(m => m.Nanoseconds / m.Operations).ToArray();
        if (ns.Length == 0) return;
        double ghz = CycleClock.Frequency / 1e9;
        var s = SampleSummary.Of(ns);
        var c = new SampleSummary(s.Median * ghz, s.CiLow * ghz, s.CiHigh * ghz, s.Count);
        long? alloc = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
        var placement = Placement.Of(method);
        string cores = placement?.Describe() ?? "?";
        int coreCount = placement?.RemoteCore >= 0 && method != nameof(UrpcBenchmarks.LrpcCpuDriver) ? 2 : 1;
        string coresParam = method == nameof(UrpcBenchmarks.LrpcCpuDriver) ? $"{o.Cores.Remote};batches_from={o.Cores.Local}"
            : placement?.RemoteCore >= 0 ? $"{o.Cores.Local},{o.Cores.Remote}" : $"{o.Cores.Local}";
        string param = $"cores={coresParam};slots={UrpcBenchmarks.Slots};profile={profile}";
        string allocText = alloc is long a ? $"{a} B" : "-";
        string note = $"BenchmarkDotNet {method}, Workload/Actual iterations; allocated {allocText}/op";
        (string series, string metric) = method switch
        {
            nameof(UrpcBenchmarks.RoundTrip) => ("URPC round trip", "cycles_per_roundtrip"),
            nameof(UrpcBenchmarks.OneWay) => ("URPC one-way (half stamped round trip)", "cycles_per_message"),
            nameof(UrpcBenchmarks.Throughput) => ("URPC pipelined send", "cycles_per_message"),
            nameof(UrpcBenchmarks.LrpcSameCore) => ("LRPC same-core (URPC ring, one thread)", "cycles_per_call"),
            nameof(UrpcBenchmarks.LrpcCpuDriver) => ("LRPC same-core (CPU driver)", "cycles_per_call"),
            _ => (method, "cycles_per_op"),
        };
        rows.Add(Row(series, coreCount, param, metric, "cycles", c, s.Median, note));
        string derived = "";
        if (method == nameof(UrpcBenchmarks.Throughput))
        {
            var k = new SampleSummary(1000 / c.Median, 1000 / c.CiHigh, 1000 / c.CiLow, c.Count);
            rows.Add(Row("URPC throughput", coreCount, param, "msgs_per_kcycle", "msgs/kcycle", k, double.NaN, note));
            derived = $"{k.Median:F2} msgs/kcycle";
        }
        else if (method == nameof(UrpcBenchmarks.RoundTrip))
            derived = $"one-way = RTT/2 = {c.Median / 2:F0} cyc";
        else if (method == nameof(UrpcBenchmarks.OneWay) && OneWayStamps.Latest.Count > 0)
        {
            var st = SampleSummary.Of(OneWayStamps.Latest.ToArray());
            rows.Add(Row("URPC one-way (TSC stamped)", coreCount, param, "cycles_per_message", "cycles", st, st.Median / ghz,
                $"receiver TSC minus sender TSC of the last {st.Count} OneWay messages (TSCs synchronised across cores: constant_tsc)"));
            derived = $"stamped {o.Cores.Local}->{o.Cores.Remote}: {st.Median:F0} cyc ({st.Median / ghz:F1} ns), n={st.Count}";
        }
        lines.Add([
            method, cores,
            s.Median.ToString("F2", CultureInfo.InvariantCulture),
            c.Median.ToString("F1", CultureInfo.InvariantCulture),
            SampleSummary.IntervalText(c.CiLow, c.CiHigh, "F1"),
            s.Count.ToString(CultureInfo.InvariantCulture),
            allocText,
            derived,
        ]);
    }

    /// <summary>A suite row; the median, CI and nanoseconds rounded to three decimals.</summary>
    static ResultRow Row(string series, int cores, string param, string metric, string unit, SampleSummary s, double medianNs, string note) =>
        ResultRow.Summarising(new SampleSummary(Math.Round(s.Median, 3), Math.Round(s.CiLow, 3), Math.Round(s.CiHigh, 3), s.Count),
            Experiment, series, cores, param, metric, unit, double.IsNaN(medianNs) ? double.NaN : Math.Round(medianNs, 3), "", note);

    static void PrintSummary(TextWriter w, List<string[]> lines, SuiteRunOptions o, RunMeta meta)
    {
        w.WriteLine();
        w.WriteLine($"URPC suite ({meta.Profile} profile), benchmark thread on core {o.Cores.Local}, peer on core {o.Cores.Remote}, TSC {CycleClock.Frequency / 1e9:F3} GHz ({CycleClock.Source}), commit {meta.Commit}, {meta.CpuModel}");
        var table = new List<string[]> { new[] { "Benchmark", "Cores", "Median ns/op", "Median cycles/op", "95% CI (cycles)", "Iterations", "Allocated/op", "Derived" } };
        table.AddRange(lines);
        int[] widths = Enumerable.Range(0, table[0].Length).Select(c => table.Max(r => r[c].Length)).ToArray();
        for (int i = 0; i < table.Count; i++)
        {
            w.WriteLine("| " + string.Join(" | ", table[i].Select((cell, c) => cell.PadRight(widths[c]))) + " |");
            if (i == 0) w.WriteLine("|" + string.Join("|", widths.Select(x => new string('-', x + 2))) + "|");
        }
        w.WriteLine($"Results: {o.OutDir} (results.csv, meta.json, {BdnFolder}/results/*-report-full.json); status {meta.Status}");
    }
}

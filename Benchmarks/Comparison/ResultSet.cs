using System.Text.Json;
using Experiments.Common;

namespace Benchmarks.Comparison;

/// <summary>
/// One side of a comparison: the benchmarks of one or more BenchmarkDotNet full-JSON reports (a file, or every
/// <c>*-report-full.json</c> at most <see cref="MaxFolderDepth"/> folders below a folder, e.g. all rounds of one side of
/// an interleaved A/B run), with the machine they ran on. All reports of a side come from one machine and one run
/// (the same commit and profile in their meta.json).
/// </summary>
public sealed class ResultSet
{
    public const string FullJsonSuffix = "-report-full.json";
    /// <summary>How many folders below a given folder reports are looked for: an A/B run folder's side/round-N/bdn/results is the deepest known layout.</summary>
    public const int MaxFolderDepth = 4;

    public string Source { get; }
    public MachineIdentity Machine { get; }
    public IReadOnlyList<string> Files { get; }
    public IReadOnlyDictionary<string, BenchmarkSamples> Benchmarks { get; }
    /// <summary>The run metadata found beside the results (null for plain BenchmarkDotNet output).</summary>
    public RunMeta? Meta { get; }

    ResultSet(string source, MachineIdentity machine, IReadOnlyList<string> files, IReadOnlyDictionary<string, BenchmarkSamples> benchmarks, RunMeta? meta)
    {
        Source = source;
        Machine = machine;
        Files = files;
        Benchmarks = benchmarks;
        Meta = meta;
    }

    /// <summary>Loads <paramref name="path"/> (file or folder); throws <see cref="ResultsInputException"/> naming the file and the problem.</summary>
    public static ResultSet Load(string path)
    {
        string[] files;
        if (File.Exists(path)) files = [path];
        else if (Directory.Exists(path))
        {
            // Bounded search: the known layouts only (run/bdn/results, side/round-N/bdn/results, ab/side/round-N/bdn/results);
            // symbolic links to folders are not followed; an unreadable folder is an error, never skipped.
            var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = MaxFolderDepth, IgnoreInaccessible = false, AttributesToSkip = 0 };
            try { files = Directory.GetFiles(path, "*" + FullJsonSuffix, options); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ResultsInputException($"{path}: cannot search this folder for reports: {e.Message}", e);
            }
            Array.Sort(files, StringComparer.Ordinal);
            if (files.Length == 0)
                throw new ResultsInputException($"{path}: no BenchmarkDotNet full-JSON report (*{FullJsonSuffix}) in this folder or up to {MaxFolderDepth} folders below it; run the suite (it exports JsonExporter.Full) or pass the report file or its run folder");
        }
        else throw new ResultsInputException($"{path}: no such file or folder");

        var benchmarks = new Dictionary<string, BenchmarkSamples>(StringComparer.Ordinal);
        MachineIdentity? machine = null;
        RunMeta? firstMeta = null;
        string? machineFile = null;
        string? firstRun = null, firstRunFile = null;
        foreach (var file in files)
        {
            var meta = FindMeta(file);
            // One side is one build's results: every report must come from the same commit and profile (a folder
            // holding an A/B run's both sides, or two runs, would otherwise pool them into one sample).
            string run = meta == null ? "no meta.json" : $"commit {(meta.Commit.Length > 0 ? meta.Commit : "unknown")}, profile {(meta.Profile.Length > 0 ? meta.Profile : "unknown")}";
            if (firstRun == null) { firstRun = run; firstRunFile = file; }
            else if (run != firstRun)
                throw new ResultsInputException($"{path}: its reports come from different runs ({firstRunFile}: {firstRun}; {file}: {run}); pass the folder of one run or of one side of an A/B run (e.g. .../baseline)");
            var m = ReadFile(file, benchmarks).WithHost(meta);
            firstMeta ??= meta;
            if (machine == null) { machine = m; machineFile = file; continue; }
            var diff = machine.MachineDifferences(m).ToList();
            if (diff.Count > 0)
                throw new ResultsInputException($"{path}: its reports come from different machines ({machineFile} vs {file}: {string.Join("; ", diff)}); compare results of one machine only");
        }
        if (benchmarks.Values.All(b => b.NanosecondsPerOp.Count == 0))
            throw new ResultsInputException($"{path}: the report(s) hold no Workload/Actual measurements (was the run cut short?)");
        return new ResultSet(path, machine!, files, benchmarks, firstMeta);
    }

    static MachineIdentity ReadFile(string file, Dictionary<string, BenchmarkSamples> into)
    {
        JsonDocument doc;
        try
        {
            using var stream = File.OpenRead(file);
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException e) { throw new ResultsInputException($"{file}: malformed JSON: {e.Message}", e); }
        catch (IOException e) { throw new ResultsInputException($"{file}: cannot read: {e.Message}", e); }
        catch (UnauthorizedAccessException e) { throw new ResultsInputException($"{file}: cannot read: {e.Message}", e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("HostEnvironmentInfo", out var host) || host.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("Benchmarks", out var list) || list.ValueKind != JsonValueKind.Array)
                throw new ResultsInputException($"{file}: not a BenchmarkDotNet full-JSON report (expected an object with 'HostEnvironmentInfo' and a 'Benchmarks' array)");
            var machine = new MachineIdentity(
                Host: null,
                Processor: Str(host, "ProcessorName") ?? "unknown",
                LogicalCores: Int(host, "LogicalCoreCount"),
                PhysicalCores: Int(host, "PhysicalCoreCount"),
                Packages: Int(host, "PhysicalProcessorCount"),
                Architecture: Str(host, "Architecture") ?? "unknown",
                Os: Str(host, "OsVersion") ?? "unknown",
                Runtime: Str(host, "RuntimeVersion") ?? "unknown");
            int index = 0;
            foreach (var b in list.EnumerateArray())
            {
                index++;
                string name = (b.ValueKind == JsonValueKind.Object ? Str(b, "FullName") : null)
                    ?? throw new ResultsInputException($"{file}: benchmark #{index} has no 'FullName'");
                if (!b.TryGetProperty("Measurements", out var measurements) || measurements.ValueKind != JsonValueKind.Array)
                    throw new ResultsInputException($"{file}: benchmark '{name}' has no 'Measurements' array; export the full JSON (JsonExporter.Full), not the brief one");
                if (!into.TryGetValue(name, out var samples)) into[name] = samples = new BenchmarkSamples(name);
                foreach (var m in measurements.EnumerateArray())
                {
                    if (Str(m, "IterationMode") != "Workload" || Str(m, "IterationStage") != "Actual") continue;
                    double ops = Num(m, "Operations"), ns = Num(m, "Nanoseconds");
                    if (!(ops > 0) || !(ns >= 0) || double.IsInfinity(ns))
                        throw new ResultsInputException($"{file}: benchmark '{name}' has a measurement with Operations={ops} and Nanoseconds={ns}; expected a positive operation count and a finite time");
                    samples.Add(ns / ops);
                }
                if (b.TryGetProperty("Memory", out var mem) && mem.ValueKind == JsonValueKind.Object
                    && mem.TryGetProperty("BytesAllocatedPerOperation", out var bytes) && bytes.ValueKind == JsonValueKind.Number)
                    samples.AddAllocation(bytes.GetDouble());
            }
            return machine;
        }
    }

    /// <summary>The suite writes meta.json into the run folder, two levels above the report (run/bdn/results/x.json); look there and in between.
    /// One that cannot be read or is not run metadata is a <see cref="ResultsInputException"/> naming it.</summary>
    static RunMeta? FindMeta(string file)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(file));
        for (int up = 0; up < 3 && dir != null; up++, dir = Path.GetDirectoryName(dir))
        {
            if (!File.Exists(Path.Combine(dir, RunMeta.FileName))) continue;
            string path = Path.Combine(dir, RunMeta.FileName);
            try { return RunMeta.Load(dir); }
            catch (JsonException e) { throw new ResultsInputException($"{path}: malformed run metadata: {e.Message}", e); }
            catch (InvalidDataException e) { throw new ResultsInputException(e.Message, e); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ResultsInputException($"{path}: cannot read: {e.Message}", e); }
        }
        return null;
    }

    static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : 0;

    static double Num(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Multikernel.Hardware;

namespace Experiments.Common;

/// <summary>
/// The <c>meta.json</c> beside each experiment's results: what machine, what software, what command,
/// and whether the run finished. A run that was interrupted keeps <see cref="Status"/> = "incomplete"
/// and lists the points it did not reach.
/// </summary>
public sealed class RunMeta
{
    public const string FileName = "meta.json";

    public string Experiment { get; set; } = "";
    public string Status { get; set; } = "incomplete";
    public string Machine { get; set; } = "";
    public string Host { get; set; } = "";
    public string CpuModel { get; set; } = "";
    public int Packages { get; set; }
    public int NumaNodes { get; set; }
    public int L3Domains { get; set; }
    public int LogicalCpus { get; set; }
    public string CoresUsed { get; set; } = "";
    public double TscGHz { get; set; }
    public string ClockSource { get; set; } = "";
    public string Kernel { get; set; } = "";
    public string DotNet { get; set; } = "";
    public string Commit { get; set; } = "";
    public DateTimeOffset Started { get; set; }
    public DateTimeOffset? Finished { get; set; }
    public string Command { get; set; } = "";
    public string Profile { get; set; } = "";
    public List<string> Incomplete { get; set; } = new();
    public List<string> Notes { get; set; } = new();
    /// <summary>
    /// The poll budget, in cycles, of every wait policy the run's multikernel waited under, by where it applies
    /// ("cpu-driver": an idle core before it sleeps; "domain": a domain dispatcher's nested waits and its spinning
    /// after a fork-join region). Empty for a program that boots no multikernel.
    /// </summary>
    public Dictionary<string, long> PollBudgetCycles { get; set; } = new();
    /// <summary>
    /// Process mode: for each boot of a process-per-core multikernel (by point name), milliseconds from the start of
    /// the boot until every core process's monitor had answered the bootstrap monitor. Empty where no point booted one.
    /// </summary>
    public Dictionary<string, double> CoreProcessStartupMs { get; set; } = new();

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Describes this machine and process; <paramref name="cores"/> are the cores the experiment uses.</summary>
    public static RunMeta Describe(string experiment, IReadOnlyList<int> cores, string profile)
    {
        var topo = MachineTopology.Current;
        return new RunMeta
        {
            Experiment = experiment,
            Machine = Environment.GetEnvironmentVariable("REPRO_MACHINE") ?? $"{Environment.MachineName} ({topo.CpuModel}, {Environment.ProcessorCount} cpus)",
            Host = Environment.MachineName,
            CpuModel = topo.CpuModel,
            Packages = topo.Packages.Count,
            NumaNodes = topo.NumaNodes.Count,
            L3Domains = topo.L3Domains.Count,
            LogicalCpus = topo.Cores.Count,
            CoresUsed = CoreList.Format(cores),
            TscGHz = Math.Round(CycleClock.Frequency / 1e9, 4),
            ClockSource = CycleClock.Source,
            Kernel = ReadKernel(),
            DotNet = RuntimeInformation.FrameworkDescription,
            Commit = Environment.GetEnvironmentVariable("REPRO_COMMIT") ?? GitCommit(),
            Started = DateTimeOffset.UtcNow,
            Command = Environment.GetEnvironmentVariable("REPRO_COMMAND") ?? string.Join(' ', Environment.GetCommandLineArgs()),
            Profile = profile,
        };
    }

    public void Save(string experimentDir) =>
        AtomicFile.WriteAllText(Path.Combine(experimentDir, FileName), JsonSerializer.Serialize(this, Json));

    public static RunMeta Load(string experimentDir)
    {
        string path = Path.Combine(experimentDir, FileName);
        return JsonSerializer.Deserialize<RunMeta>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path}: empty or not a meta.json object");
    }

    static string ReadKernel()
    {
        try { return File.ReadAllText("/proc/sys/kernel/osrelease").Trim(); }
        catch (IOException) { return RuntimeInformation.OSDescription; }
    }

    static string GitCommit()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD")
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            string s = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? s : "unknown";
        }
        catch (System.ComponentModel.Win32Exception) { return "unknown"; }
    }
}

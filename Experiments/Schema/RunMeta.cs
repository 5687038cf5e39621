using System.Text.Json;
using System.Text.Json.Serialization;

namespace Experiments.Schema;

/// <summary>
/// The <c>meta.json</c> beside each experiment's results: what machine, what software, what command,
/// and whether the run finished. A run that was interrupted keeps <see cref="Status"/> = "incomplete"
/// and lists the points it did not reach. Filled for this machine by <c>Experiments.Common.MachineDescription</c>
/// (which reads the kernel's topology and clock); this type itself knows nothing of the kernel.
/// </summary>
public sealed class RunMeta
{
    public const string FileName = "meta.json";

    public string Experiment { get; set; } = "";
    public string Status { get; set; } = "incomplete";
    /// <summary>A label for the machine: REPRO_MACHINE where set (e.g. by scripts/device/run.sh), otherwise
    /// "host (CPU model, N logical cpus)" with N = <see cref="LogicalCpus"/>.</summary>
    public string Machine { get; set; } = "";
    public string Host { get; set; } = "";
    public string CpuModel { get; set; } = "";
    public int Packages { get; set; }
    public int NumaNodes { get; set; }
    public int L3Domains { get; set; }
    /// <summary>The online logical CPUs this process may run on (its affinity mask, as the kernel's topology reads
    /// them); a cgroup CPU quota does not lower it. <see cref="Packages"/>, <see cref="NumaNodes"/> and
    /// <see cref="L3Domains"/> count what those CPUs cover.</summary>
    public int LogicalCpus { get; set; }
    public string CoresUsed { get; set; } = "";
    public double TscGHz { get; set; }
    public string ClockSource { get; set; } = "";
    public string Kernel { get; set; } = "";
    public string DotNet { get; set; } = "";
    /// <summary>Short commit the programs were built from; "-dirty" when the sources differed from it (see <see cref="SourceState"/>).</summary>
    public string Commit { get; set; } = "";
    /// <summary>What differed from <see cref="Commit"/>: "clean", or which tracked files changed and which untracked files
    /// outside Results/ existed (new result folders do not count); "unknown" outside a git checkout.</summary>
    public string SourceState { get; set; } = "";
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

    public void Save(string experimentDir) =>
        AtomicFile.WriteAllText(Path.Combine(experimentDir, FileName), JsonSerializer.Serialize(this, Json));

    public static RunMeta Load(string experimentDir)
    {
        string path = Path.Combine(experimentDir, FileName);
        return JsonSerializer.Deserialize<RunMeta>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path}: empty or not a meta.json object");
    }
}

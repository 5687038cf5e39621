using Experiments.Schema;
using System.Text.Json;

namespace Report.Input;

/// <summary>
/// The run-level <c>meta.json</c> that run-all.sh writes at the root of a run folder: the profile, the cores,
/// and what became of each experiment (ok, failed, not present, not selected). Optional: a run folder made by
/// hand has none.
/// </summary>
public sealed class RunLevelMeta
{
    public string Kind { get; set; } = "";
    /// <summary>"running" while run-all.sh runs (and after it was killed), "finished" or "interrupted"; "" in a folder made by hand or by an older run-all.</summary>
    public string State { get; set; } = "";
    public string Host { get; set; } = "";
    /// <summary>The run-all.sh process that wrote this file (<see cref="ProcessIdentity"/>): boot id, pid and start tick; "" and 0 where unknown.</summary>
    public string BootId { get; set; } = "";
    public int Pid { get; set; }
    public long PidStart { get; set; }
    public string Machine { get; set; } = "";
    public string Profile { get; set; } = "";
    public string Cores { get; set; } = "";
    public string Command { get; set; } = "";
    public string Commit { get; set; } = "";
    public string Started { get; set; } = "";
    public string Finished { get; set; } = "";
    public List<RunLevelExperiment> Experiments { get; set; } = new();

    static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>Reads <paramref name="path"/>; null if the file does not exist; throws <see cref="ReportInputException"/>
    /// naming it on a file that cannot be read or is not run-level meta.</summary>
    public static RunLevelMeta? TryLoad(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var meta = JsonSerializer.Deserialize<RunLevelMeta>(File.ReadAllText(path), Json);
            if (meta is null || meta.Kind != "run")
                throw new ReportInputException($"{path}: not a run-level meta.json (expected \"kind\": \"run\", as run-all.sh writes)");
            if (NullFields.First(meta) is { } field)
                throw new ReportInputException($"{path}: \"{field}\" is null; expected a value (\"\" or [] for none)");
            return meta;
        }
        catch (JsonException e)
        {
            throw new ReportInputException($"{path}: not valid JSON ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReportInputException($"{path}: cannot be read ({e.Message})", e);
        }
    }

    /// <summary>
    /// What the report must say about a run that did not end normally, or null: an interrupted run; a run whose file still
    /// says "running", told apart by asking <see cref="ProcessIdentity.IsRunning"/> whether its run-all.sh still runs
    /// (in progress), certainly does not (killed: SIGKILL or power loss) or cannot be asked from here (another host).
    /// </summary>
    public string? StateWarning()
    {
        switch (State)
        {
            case "interrupted":
                // The signal may have come after the last experiment, while run-all made the report: then every
                // experiment it started has a status of its own (ok, failed, no-results) and none was cut off. A file
                // that lists no experiments cannot tell.
                return Experiments.Count == 0 || Experiments.Any(e => e.Status is "interrupted" or "not-run" or "running" or "pending")
                    ? "run-all.sh was interrupted by a signal before every experiment ran: the report shows what finished (experiments cut off are marked incomplete, those not started as not run)."
                    : "run-all.sh was interrupted by a signal after its last experiment had ended (while it made the report): no experiment was cut off.";
            case "running":
                string who = $"run-all.sh (pid {Pid} on {Host})";
                return new ProcessIdentity(Host, BootId, Pid, PidStart).IsRunning() switch
                {
                    true => $"This run is still in progress: {who} is running. The report shows the experiments finished so far.",
                    false => $"{who} was killed before it finished (SIGKILL or power loss): its meta.json still says \"state\": \"running\" but that process is gone. The report shows what finished; experiments cut off are marked incomplete.",
                    null => $"meta.json says \"state\": \"running\", and from this host the report cannot tell whether {who} still runs or was killed: the experiments may be incomplete.",
                };
            default:
                return null;
        }
    }

    /// <summary>The entry for the experiment that writes folder <paramref name="folder"/>, if run-all recorded one.</summary>
    public RunLevelExperiment? ForFolder(string folder) =>
        Experiments.FirstOrDefault(e => e.Folders.Contains(folder, StringComparer.Ordinal));
}

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
    public string Host { get; set; } = "";
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

    /// <summary>The entry for the experiment that writes folder <paramref name="folder"/>, if run-all recorded one.</summary>
    public RunLevelExperiment? ForFolder(string folder) =>
        Experiments.FirstOrDefault(e => e.Folders.Contains(folder, StringComparer.Ordinal));
}

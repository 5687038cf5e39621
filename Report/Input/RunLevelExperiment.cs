using System.Text.Json.Serialization;

namespace Report.Input;

public sealed class RunLevelExperiment
{
    public string Name { get; set; } = "";
    public List<string> Folders { get; set; } = new();
    /// <summary>ok, failed, no-results, build-failed, not-present, not-selected.</summary>
    public string Status { get; set; } = "";
    [JsonPropertyName("exitCode")] public int? ExitCode { get; set; }
    public double? Seconds { get; set; }
    public string Log { get; set; } = "";
    public string Reason { get; set; } = "";
}

namespace Report.History;

/// <summary>The URPC history given with --history: its lines and the path they were read from.</summary>
public sealed record HistoryInput(string Source, IReadOnlyList<HistoryEntry> Entries)
{
    public static HistoryInput Load(string path) => new(Path.GetFullPath(path), UrpcHistory.Read(path));
}

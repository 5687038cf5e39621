namespace Report.Input;

/// <summary>
/// An experiment folder with no results at all (neither results.csv nor meta.json) but a log.txt:
/// run-all made the folder and the program failed before it wrote anything. Shown with the tail of its log.
/// </summary>
public sealed record FailedExperiment(string Name, string Directory, string LogPath, IReadOnlyList<string> LogTail);

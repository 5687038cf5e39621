using Report.Catalog;
using Report.Html;

namespace Report.Sections;

/// <summary>
/// The experiments of the known set that have no results in this run, and why where run-all recorded it.
/// A missing folder is reported as not run; nothing is drawn for it.
/// </summary>
public static class NotRunSection
{
    public sealed record Entry(string Experiment, string Heading, string Reason, IReadOnlyList<string> LogTail);

    public static IReadOnlyList<Entry> Entries(RunFolder run)
    {
        var entries = new List<Entry>();
        foreach (var spec in ExperimentCatalog.Known)
        {
            if (run.Find(spec.Folder) is not null) continue;
            var failed = run.Failed.FirstOrDefault(f => f.Name == spec.Folder);
            var recorded = run.RunMeta?.ForFolder(spec.Folder);
            string reason = failed is not null
                ? $"ran but wrote no results; log: {failed.LogPath}" + (recorded is { ExitCode: { } code } ? $" (exit code {code})" : "")
                : recorded is not null
                    ? Describe(recorded)
                    : "not run: this run folder has no such experiment folder";
            entries.Add(new Entry(spec.Folder, spec.Title.Heading, reason, failed?.LogTail ?? []));
        }
        foreach (var f in run.Failed.Where(f => ExperimentCatalog.Find(f.Name) is null))
            entries.Add(new Entry(f.Name, $"Experiment {f.Name}", $"ran but wrote no results; log: {f.LogPath}", f.LogTail));
        return entries;
    }

    static string Describe(RunLevelExperiment e)
    {
        string what = e.Status switch
        {
            "not-present" => "not run: its program does not exist in this checkout yet",
            "not-selected" => "not run: not selected (run-all.sh --only)",
            "build-failed" => "not run: its program did not build",
            "failed" => e.ExitCode is { } code ? $"failed (exit code {code})" : "failed",
            "no-results" => "ran, exited 0, but wrote no results for this folder",
            _ => $"status '{e.Status}'",
        };
        string extra = (e.Reason.Length > 0 ? $"; {e.Reason}" : "") + (e.Log.Length > 0 ? $"; log: {e.Log}" : "");
        return what + extra;
    }

    public static void Write(HtmlWriter w, RunFolder run)
    {
        var entries = Entries(run);
        var incomplete = run.Experiments.Where(e => e.IsIncomplete).ToList();
        w.Open("section", "not-run chapter", "not-run");
        w.H2("Experiments not run or incomplete");
        if (entries.Count == 0 && incomplete.Count == 0)
            w.P("Every experiment of the suite ran and finished.");
        if (entries.Count > 0)
        {
            w.P("These experiments have no results in this run; the report draws nothing for them.");
            w.Table(["Experiment", "Figure", "Why"], entries.Select(e => (IReadOnlyList<string>)[e.Experiment, e.Heading, e.Reason]));
            foreach (var e in entries.Where(e => e.LogTail.Count > 0))
            {
                w.H3($"Last lines of the log of {e.Experiment}");
                w.Element("pre", string.Join('\n', e.LogTail));
            }
        }
        if (incomplete.Count > 0)
        {
            w.H3("Incomplete experiments (shown with a warning in their sections)");
            w.Table(["Experiment", "Points not measured"],
                incomplete.Select(e => (IReadOnlyList<string>)[e.Name, e.Meta.Incomplete.Count > 0 ? string.Join("; ", e.Meta.Incomplete) : "(none listed)"]));
        }
        w.Close("section");
    }
}

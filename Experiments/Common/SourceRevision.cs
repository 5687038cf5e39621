
namespace Experiments.Common;

/// <summary>
/// Which source a run was built from, for meta.json: the short commit, "-dirty" only when the sources differ from it
/// (tracked files changed, or untracked files outside <c>Results/</c>), and a state line saying what differs. New result
/// folders under <c>Results/</c> (every run makes one) do not make a checkout dirty. The same rules as
/// <c>scripts/source-state.sh</c>, which run-all.sh uses; <c>tests/Experiments.Tests/SourceRevisionTests</c> checks both.
/// </summary>
public static class SourceRevision
{
    /// <summary>(commit, state) of the git checkout holding <paramref name="dir"/>; ("unknown", "not a git checkout") outside git.</summary>
    public static (string Commit, string State) Describe(string dir)
    {
        var (code, sha, _) = Git(dir, "rev-parse", "--short", "HEAD");
        if (code != 0 || sha.Length == 0) return ("unknown", "not a git checkout (or git is not installed)");
        var (c2, status, _) = Git(dir, "status", "--porcelain", "--untracked-files=all");
        if (c2 != 0) return (sha, "unknown (git status failed)");
        var tracked = new List<string>();
        var untracked = new List<string>();
        var results = new List<string>();
        foreach (var line in status.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length < 4) continue;
            string path = line[3..];
            if (!line.StartsWith("??", StringComparison.Ordinal)) tracked.Add(path);
            else if (path.StartsWith("Results/", StringComparison.Ordinal) || path.StartsWith("\"Results/", StringComparison.Ordinal)) results.Add(path); // git quotes a path with a space or a non-ASCII byte
            else untracked.Add(path);
        }
        return (tracked.Count + untracked.Count > 0 ? sha + "-dirty" : sha, State(tracked, untracked, results));
    }

    /// <summary>The state line: "clean", or what differs from the commit (first three paths of each kind, then a count).</summary>
    public static string State(IReadOnlyList<string> tracked, IReadOnlyList<string> untracked, IReadOnlyList<string> results)
    {
        var parts = new List<string>();
        if (tracked.Count > 0) parts.Add($"{tracked.Count} tracked file(s) changed: {List(tracked)}");
        if (untracked.Count > 0) parts.Add($"{untracked.Count} untracked file(s) outside Results/: {List(untracked)}");
        string head = parts.Count == 0 ? "clean" : "dirty: " + string.Join("; ", parts);
        return results.Count > 0 ? $"{head} (untracked result files under Results/ ignored: {results.Count})" : head;
    }

    static string List(IReadOnlyList<string> paths) =>
        string.Join(", ", paths.Take(3)) + (paths.Count > 3 ? $" and {paths.Count - 3} more" : "");

    /// <summary>Runs git in <paramref name="dir"/>; (exit code, stdout without trailing blanks, stderr trimmed);
    /// <see cref="ToolProcess.NotStarted"/> where git cannot run.</summary>
    public static (int Code, string Out, string Err) Git(string dir, params string[] args)
    {
        var (code, o, err) = ToolProcess.Capture("git", dir, args);
        return (code, o.TrimEnd(), err.Trim());
    }
}

namespace Report;

/// <summary>
/// Checks, before anything is written, that the report can be written into a folder: the path is not empty, is not
/// a file, no part of it is a file, and the folder (or its nearest existing parent, where it is still to be made) lets
/// this process create a file. Each problem is one sentence naming the path.
/// </summary>
public static class OutputFolder
{
    /// <summary>
    /// Null unless <paramref name="target"/> lies below the run folder <paramref name="runPath"/> in a folder whose name
    /// does not start with '.': the report reads every such folder of a run as an experiment's, so a report written
    /// there would make every later report of the run refuse it. The run folder itself and dot folders in it are fine.
    /// </summary>
    public static string? InsideRun(string target, string runPath)
    {
        string rel = Path.GetRelativePath(runPath, target);
        if (rel == "." || Path.IsPathRooted(rel) || rel == ".." || rel.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        string first = rel.Split(Path.DirectorySeparatorChar)[0];
        if (first.StartsWith('.')) return null;
        return $"--out {target}: inside the run folder {runPath}, where every later report would take {first}/ for an experiment's folder and refuse the run; "
            + $"write the report into the run folder itself (the default for --run), a dot folder in it (e.g. {Path.Combine(runPath, "." + first)}) or outside it";
    }

    /// <summary>Null when <paramref name="path"/> can take report.html and report.pdf; otherwise what is wrong.</summary>
    public static string? Problem(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) return $"{option}: empty path; give the folder for report.html and report.pdf";
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return $"{option} {path}: not a usable path ({e.Message})"; }
        if (File.Exists(full)) return $"{option} {full}: is a file; give a folder for report.html and report.pdf";
        string? existing = full;
        while (existing is not null && !Directory.Exists(existing))
        {
            if (File.Exists(existing)) return $"{option} {full}: {existing} is a file, so the folder cannot be made";
            existing = Path.GetDirectoryName(existing);
        }
        if (existing is null) return $"{option} {full}: no part of the path exists";
        string probe = Path.Combine(existing, $".report.{Environment.ProcessId}.probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return existing == full
                ? $"cannot write into {full} ({e.Message.TrimEnd('.')}); choose another folder with --out"
                : $"cannot make {full}: its parent {existing} is not writable ({e.Message.TrimEnd('.')}); choose another folder with --out";
        }
    }
}

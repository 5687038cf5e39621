using Experiments.Common;

namespace Benchmarks.Runs;

/// <summary>Locating the repository and asking git about it.</summary>
public static class RepoPaths
{
    /// <summary>The repository root: the nearest folder above the working directory holding Repro.sln, else the working directory.</summary>
    public static string Root()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Repro.sln"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }

    /// <summary>Default run folder for the suite: Results/&lt;host&gt;-&lt;UTC timestamp&gt;/urpc-bench.</summary>
    public static string DefaultRunFolder() =>
        Path.Combine(Root(), "Results", $"{Environment.MachineName}-{DateTime.UtcNow:yyyyMMdd-HHmmss}", "urpc-bench");

    /// <summary>Runs git in <paramref name="dir"/>; returns (exit code, stdout without trailing blanks, stderr trimmed).</summary>
    public static (int Code, string Out, string Err) Git(string dir, params string[] args) => SourceRevision.Git(dir, args);

    /// <summary>Short hash of HEAD in <paramref name="dir"/>, "-dirty" when the sources differ from it (the suite's one
    /// provenance rule, <see cref="SourceRevision"/>); "unknown" outside git.</summary>
    public static string DescribeHead(string dir) => SourceRevision.Describe(dir).Commit;
}

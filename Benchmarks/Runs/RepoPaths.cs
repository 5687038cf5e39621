using System.Diagnostics;

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

    /// <summary>Runs git in <paramref name="dir"/>; returns (exit code, stdout trimmed, stderr trimmed).</summary>
    public static (int Code, string Out, string Err) Git(string dir, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            string o = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, o.Trim(), err.Result.Trim());
        }
        catch (System.ComponentModel.Win32Exception e) { return (127, "", $"git not runnable: {e.Message}"); }
    }

    /// <summary>Short hash of HEAD in <paramref name="dir"/>, with "+dirty" when tracked files have uncommitted changes; "unknown" outside git.</summary>
    public static string DescribeHead(string dir)
    {
        var (code, sha, _) = Git(dir, "rev-parse", "--short", "HEAD");
        if (code != 0) return "unknown";
        var (c2, status, _) = Git(dir, "status", "--porcelain", "--untracked-files=no");
        return c2 == 0 && status.Length > 0 ? sha + "+dirty" : sha;
    }
}

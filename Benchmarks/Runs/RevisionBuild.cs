using System.Diagnostics;
using Experiments.Common;

namespace Benchmarks.Runs;

/// <summary>
/// A build of the benchmark suite at another git revision, made in a temporary <c>git worktree</c> (removed again
/// after the build). Builds of a commit are kept under <c>artifacts/bench-builds/&lt;sha&gt;/</c> and reused, since the
/// same commit always builds the same code. Where the revision has no suite of its own
/// (<see cref="SuiteMarker"/>), the current suite's sources are copied into the worktree so the revision's
/// kernel is measured by today's benchmarks (said in <see cref="Note"/>; such builds are not cached: they go to a
/// temporary folder of this run, <see cref="TemporaryOutput"/>, removed by <see cref="Dispose"/> or, where the build
/// fails or is stopped, by <see cref="Make"/> itself).
/// A temporary worktree or build folder left by a run that was killed (its process gone) is removed by the next
/// <see cref="Make"/>, unless a live process still works in it (a build that outlived its run).
/// </summary>
public sealed class RevisionBuild : IDisposable
{
    public string Revision { get; }
    public string Sha { get; }
    public string AssemblyPath { get; }
    public string Note { get; }

    /// <summary>The folder this run built an uncached revision into (removed by <see cref="Dispose"/>), or null.</summary>
    public string? TemporaryOutput { get; }

    /// <summary>A revision holding this file has the URPC suite of its own; older ones get the current suite copied in.</summary>
    public const string SuiteMarker = "Benchmarks/Suite/UrpcBenchmarks.cs";

    const string WorktreePrefix = "urpc-bench-", BuildPrefix = "urpc-bench-build-";

    RevisionBuild(string revision, string sha, string assemblyPath, string note, string? temporaryOutput = null)
    {
        Revision = revision;
        Sha = sha;
        AssemblyPath = assemblyPath;
        Note = note;
        TemporaryOutput = temporaryOutput;
    }

    /// <summary>Removes <see cref="TemporaryOutput"/>, once the runs of this build are over.</summary>
    public void Dispose()
    {
        if (TemporaryOutput != null) RemoveFolder(TemporaryOutput, TextWriter.Null);
    }

    /// <summary>
    /// A baseline that is already built: a Benchmarks.dll, or a folder holding one (e.g. a copy of another checkout's
    /// bin/Release/net10.0). Used to repeat A/B runs without git, e.g. unchanged-vs-unchanged trials.
    /// </summary>
    public static RevisionBuild Prebuilt(string path)
    {
        string dll = Directory.Exists(path) ? Path.Combine(path, "Benchmarks.dll") : path;
        if (!File.Exists(dll) || !dll.EndsWith(".dll", StringComparison.Ordinal))
            throw new RevisionBuildException($"--baseline-build '{path}': no Benchmarks.dll there; give a built suite's Benchmarks.dll or its folder");
        return new RevisionBuild("prebuilt", "prebuilt", Path.GetFullPath(dll), $"baseline is the prebuilt {Path.GetFullPath(dll)}");
    }

    /// <summary>Builds (or reuses) <paramref name="revision"/>; throws <see cref="RevisionBuildException"/> with the reason.
    /// <paramref name="stop"/> cancelled during the build kills the build (its whole process tree) and waits for it, then
    /// removes the worktree and any temporary build folder and throws <see cref="OperationCanceledException"/>.</summary>
    public static RevisionBuild Make(string repoRoot, string revision, TextWriter log, CancellationToken stop = default)
    {
        var (code, sha, err) = RepoPaths.Git(repoRoot, "rev-parse", "--verify", "--quiet", revision + "^{commit}");
        if (code != 0 || sha.Length == 0)
            throw new RevisionBuildException($"--against '{revision}': not a commit in {repoRoot} ({(err.Length > 0 ? err : "git rev-parse found nothing")}); give a revision such as HEAD~1, main or a commit hash");
        string shortSha = sha[..Math.Min(10, sha.Length)];
        RemoveStaleWorktrees(repoRoot, log);
        string cache = Path.Combine(repoRoot, "artifacts", "bench-builds", sha);
        string cachedDll = Path.Combine(cache, "Benchmarks.dll");
        if (File.Exists(Path.Combine(cache, ".complete")) && File.Exists(cachedDll))
        {
            log.WriteLine($"baseline {revision} ({shortSha}): reusing the build in {cache}");
            return new RevisionBuild(revision, shortSha, cachedDll, "");
        }

        string tmp = Path.Combine(Path.GetTempPath(), $"{WorktreePrefix}{shortSha}-{Environment.ProcessId}");
        var (wc, _, we) = RepoPaths.Git(repoRoot, "worktree", "add", "--detach", "--force", tmp, sha);
        if (wc != 0) throw new RevisionBuildException($"--against '{revision}': git worktree add failed: {we}");
        string note = "";
        string output = cache;
        string? temporary = null;
        bool built = false;
        try
        {
            if (!File.Exists(Path.Combine(tmp, SuiteMarker)))
            {
                note = $"revision {shortSha} has no URPC suite ({SuiteMarker}); its kernel was measured with the current suite's sources";
                log.WriteLine($"note: {note}");
                string target = Path.Combine(tmp, "Benchmarks");
                if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
                CopySuite(Path.Combine(repoRoot, "Benchmarks"), target);
                output = temporary = Path.Combine(Path.GetTempPath(), $"{BuildPrefix}{shortSha}-{Environment.ProcessId}");
            }
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
            log.WriteLine($"baseline {revision} ({shortSha}): building in a temporary worktree {tmp} ...");
            var sw = Stopwatch.StartNew();
            var (bc, bout) = Dotnet(tmp, stop, "build", Path.Combine(tmp, "Benchmarks", "Benchmarks.csproj"), "-c", "Release", "-nologo", "-v", "q", "-o", output);
            if (bc != 0)
                throw new RevisionBuildException($"--against '{revision}': the suite at {shortSha} does not build (dotnet build exit {bc}):\n{Tail(bout, 30)}");
            log.WriteLine($"baseline {revision} ({shortSha}): built in {sw.Elapsed.TotalSeconds:F0} s");
            if (note.Length == 0) File.WriteAllText(Path.Combine(output, ".complete"), sha);
            built = true;
            return new RevisionBuild(revision, shortSha, Path.Combine(output, "Benchmarks.dll"), note, temporary);
        }
        finally
        {
            var (rc, _, re) = RepoPaths.Git(repoRoot, "worktree", "remove", "--force", tmp);
            if (rc != 0) log.WriteLine($"warning: could not remove the temporary worktree {tmp}: {re}");
            if (!built && temporary != null) RemoveFolder(temporary, log);
        }
    }

    static void RemoveFolder(string dir, TextWriter log)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { log.WriteLine($"warning: could not remove the temporary build {dir}: {e.Message}"); }
    }

    /// <summary>
    /// Removes the temporary worktrees (<c>urpc-bench-&lt;sha&gt;-&lt;pid&gt;</c> in the temp folder) and temporary builds
    /// (<c>urpc-bench-build-&lt;sha&gt;-&lt;pid&gt;</c>) of runs whose process is gone: a run killed with SIGKILL never reaches
    /// the <c>finally</c> that removes its own. Those of live processes (other runs in progress) are left alone, and so is
    /// one in which a live process still works (its working directory there: a build that outlived its run), so that
    /// nothing is removed from under it; the next run looks again.
    /// </summary>
    static void RemoveStaleWorktrees(string repoRoot, TextWriter log)
    {
        var (code, list, _) = RepoPaths.Git(repoRoot, "worktree", "list", "--porcelain");
        if (code != 0) return;
        string prefix = Path.Combine(Path.GetTempPath(), WorktreePrefix);
        foreach (var line in list.Split('\n'))
        {
            if (!line.StartsWith("worktree ", StringComparison.Ordinal)) continue;
            string path = line["worktree ".Length..].Trim();
            if (!path.StartsWith(prefix, StringComparison.Ordinal) || !Stale(path, log)) continue;
            var (rc, _, re) = RepoPaths.Git(repoRoot, "worktree", "remove", "--force", path);
            log.WriteLine(rc == 0
                ? $"removed the temporary worktree {path} of an earlier run that did not end normally (its process is gone)"
                : $"warning: could not remove the stale temporary worktree {path}: {re}");
        }
        RepoPaths.Git(repoRoot, "worktree", "prune");
        IEnumerable<string> builds;
        try { builds = Directory.EnumerateDirectories(Path.GetTempPath(), BuildPrefix + "*").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var dir in builds)
        {
            if (!Stale(dir, log)) continue;
            RemoveFolder(dir, log);
            if (!Directory.Exists(dir)) log.WriteLine($"removed the temporary build {dir} of an earlier run that did not end normally (its process is gone)");
        }
    }

    /// <summary>Whether <paramref name="path"/>, named for a process by its last '-' field, is left by a run that is gone
    /// and is not in use; says so where a live process still works in it.</summary>
    static bool Stale(string path, TextWriter log)
    {
        int dash = path.LastIndexOf('-');
        if (!int.TryParse(path[(dash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid)
            || pid == Environment.ProcessId || IsAlive(pid)) return false;
        if (ProcessWorkingIn(path) is not { } user) return true;
        log.WriteLine($"left {path} of an earlier run (process {pid} is gone) in place: process {user} still works in it");
        return false;
    }

    /// <summary>A live process whose working directory is <paramref name="dir"/> or below it, or null (from /proc; a
    /// process whose working directory cannot be read is not seen).</summary>
    static int? ProcessWorkingIn(string dir)
    {
        if (!Directory.Exists("/proc")) return null;
        string full = Path.GetFullPath(dir).TrimEnd('/');
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid)) continue;
            string? cwd;
            try { cwd = new DirectoryInfo(Path.Combine(proc, "cwd")).LinkTarget; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (cwd != null && (cwd == full || cwd.StartsWith(full + "/", StringComparison.Ordinal))) return pid;
        }
        return null;
    }

    static bool IsAlive(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    static void CopySuite(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(from, file);
            if (rel.StartsWith("bin" + Path.DirectorySeparatorChar) || rel.StartsWith("obj" + Path.DirectorySeparatorChar)) continue;
            string dest = Path.Combine(to, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest, overwrite: true);
        }
    }

    /// <summary>Runs dotnet in <paramref name="dir"/> as a child that dies with this process (<see cref="ChildLaunch"/>);
    /// <paramref name="stop"/> cancelled kills it with its whole process tree, waits for it and throws.</summary>
    static (int Code, string Output) Dotnet(string dir, CancellationToken stop, params string[] args)
    {
        var psi = new ProcessStartInfo(DotnetHost()) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        stop.ThrowIfCancellationRequested();
        ChildLaunch.Start(p);
        var err = p.StandardError.ReadToEndAsync(CancellationToken.None);
        var o = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
        WaitOrKill(p, stop);
        return (p.ExitCode, o.GetAwaiter().GetResult() + err.GetAwaiter().GetResult());
    }

    /// <summary>The dotnet that builds: the one beside this program's executable where there is one (this program runs
    /// under it, as Process.Start would pick it), else the first on PATH.</summary>
    static string DotnetHost()
    {
        string? dir = Path.GetDirectoryName(Environment.ProcessPath);
        string beside = dir is null ? "" : Path.Combine(dir, "dotnet");
        return dir is not null && File.Exists(beside) ? beside : "dotnet";
    }

    /// <summary>Waits for <paramref name="p"/> to end; where <paramref name="stop"/> is cancelled first, kills it with its
    /// whole process tree, waits for it to end and throws <see cref="OperationCanceledException"/>.</summary>
    internal static void WaitOrKill(Process p, CancellationToken stop)
    {
        try { p.WaitForExitAsync(stop).GetAwaiter().GetResult(); }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { } // it ended meanwhile
            p.WaitForExit();
            throw;
        }
    }

    internal static string Tail(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}

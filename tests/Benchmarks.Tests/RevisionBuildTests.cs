using Benchmarks.Runs;

namespace Benchmarks.Tests;

/// <summary>
/// <see cref="RevisionBuild.Make"/>'s temporary worktree: one that a killed run left behind (its process gone, so its
/// <c>finally</c> never ran) is removed by the next run, not left registered in the repository for ever.
/// </summary>
public class RevisionBuildTests : IDisposable
{
    readonly string _repo = Path.Combine(Path.GetTempPath(), "revision-build-tests-" + Guid.NewGuid().ToString("N"));
    readonly List<string> _extra = new();

    public RevisionBuildTests() => Directory.CreateDirectory(_repo);

    public void Dispose()
    {
        foreach (var d in _extra.Append(_repo))
        {
            try { if (Directory.Exists(d)) Directory.Delete(d, recursive: true); } catch (IOException) { }
        }
    }

    string Git(params string[] args)
    {
        var (code, output, err) = RepoPaths.Git(_repo, args);
        Assert.True(code == 0, $"git {string.Join(' ', args)}: exit {code}: {err}");
        return output;
    }

    /// <summary>A repository of one commit whose suite build is already cached, so <see cref="RevisionBuild.Make"/> builds nothing.</summary>
    (string Sha, string Cache) CommitWithACachedBuild()
    {
        Git("init", "-q");
        File.WriteAllText(Path.Combine(_repo, "README"), "x");
        Git("add", "README");
        Git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one");
        string sha = Git("rev-parse", "HEAD");
        string cache = Path.Combine(_repo, "artifacts", "bench-builds", sha);
        Directory.CreateDirectory(cache);
        File.WriteAllText(Path.Combine(cache, "Benchmarks.dll"), "");
        File.WriteAllText(Path.Combine(cache, ".complete"), sha);
        return (sha, cache);
    }

    [Fact]
    public void A_worktree_left_by_a_killed_run_is_removed_by_the_next_run()
    {
        var (sha, cache) = CommitWithACachedBuild();
        // A worktree as Make names it, of a process that no longer exists (above Linux's largest pid, 2^22).
        string stale = Path.Combine(Path.GetTempPath(), $"urpc-bench-{sha[..10]}-{(1 << 22) + 7}");
        _extra.Add(stale);
        Git("worktree", "add", "--detach", "--force", stale, sha);

        var log = new StringWriter();
        var build = RevisionBuild.Make(_repo, "HEAD", log, TestContext.Current.CancellationToken);

        Assert.Equal(Path.Combine(cache, "Benchmarks.dll"), build.AssemblyPath);
        Assert.False(Directory.Exists(stale), $"the stale worktree {stale} is still there; log: {log}");
        Assert.DoesNotContain(stale, Git("worktree", "list", "--porcelain"));
    }

    /// <summary>
    /// The temporary build of a revision without a suite (<c>urpc-bench-build-SHA-PID</c>) of a run that was killed
    /// (SIGKILL: no <c>finally</c>, no Dispose) stayed in the temp folder for ever; the next run removes it, as it does the
    /// worktree, and leaves those of live processes alone.
    /// </summary>
    [Fact]
    public void A_temporary_build_left_by_a_killed_run_is_removed_by_the_next_run()
    {
        var (sha, _) = CommitWithACachedBuild();
        string stale = Path.Combine(Path.GetTempPath(), $"urpc-bench-build-{sha[..10]}-{(1 << 22) + 11}");
        string live = Path.Combine(Path.GetTempPath(), $"urpc-bench-build-{sha[..10]}-{Environment.ProcessId}x"); // no pid: not a run's
        _extra.Add(stale);
        _extra.Add(live);
        foreach (var d in new[] { stale, live })
        {
            Directory.CreateDirectory(d);
            File.WriteAllText(Path.Combine(d, "Benchmarks.dll"), "");
        }

        var log = new StringWriter();
        RevisionBuild.Make(_repo, "HEAD", log, TestContext.Current.CancellationToken);

        Assert.False(Directory.Exists(stale), $"the stale temporary build {stale} is still there; log: {log}");
        Assert.True(Directory.Exists(live), $"{live}, not named for a process, was removed; log: {log}");
    }

    /// <summary>
    /// A worktree of a run that is gone, in which a process still works (a build that outlived its run): the next run
    /// removed it from under the build. It is now left in place, saying why, and removed by a later run once nothing
    /// works in it.
    /// </summary>
    [Fact]
    public async Task A_stale_worktree_in_which_a_process_still_works_is_not_removed_from_under_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var (sha, _) = CommitWithACachedBuild();
        string stale = Path.Combine(Path.GetTempPath(), $"urpc-bench-{sha[..10]}-{(1 << 22) + 9}");
        _extra.Add(stale);
        Git("worktree", "add", "--detach", "--force", stale, sha);
        // The build that outlived its run: a process whose working directory is the worktree.
        using var build = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "30") { WorkingDirectory = stale, UseShellExecute = false })!;
        try
        {
            var log = new StringWriter();
            RevisionBuild.Make(_repo, "HEAD", log, ct);
            Assert.True(File.Exists(Path.Combine(stale, "README")), $"the worktree {stale} was removed from under process {build.Id}; log: {log}");
            Assert.Contains($"process {build.Id} still works in it", log.ToString());

            build.Kill();
            await build.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
            var later = new StringWriter();
            RevisionBuild.Make(_repo, "HEAD", later, ct);
            Assert.False(Directory.Exists(stale), $"the stale worktree {stale} is still there once nothing works in it; log: {later}");
        }
        finally
        {
            if (!build.HasExited) build.Kill();
        }
    }
}

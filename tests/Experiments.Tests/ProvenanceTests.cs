using System.Diagnostics;

namespace Experiments.Tests;

/// <summary>Provenance in meta.json: what is dirty (tracked sources vs new result folders), the same answer from C#
/// and from run-all's script; and whether the process that wrote a "running" state still runs.</summary>
public class ProvenanceTests
{
    static string Run(string dir, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd();
        string e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {p.ExitCode}: {e}");
        return o.TrimEnd('\n');
    }

    static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "Repro.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("no Repro.sln above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void NewResultFoldersDoNotMakeACheckoutDirtyButChangedSourcesDoAndBothImplementationsAgree()
    {
        Assert.SkipWhen(Environment.GetEnvironmentVariable("PATH")?.Split(':').All(d => !File.Exists(Path.Combine(d, "git"))) ?? true, "git is not installed");
        string repo = TestCores.TempDir();
        Run(repo, "git", "init", "-q");
        File.WriteAllText(Path.Combine(repo, "a.cs"), "class A {}");
        Run(repo, "git", "add", "a.cs");
        Run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one");
        string sha = Run(repo, "git", "rev-parse", "--short", "HEAD");
        string script = Path.Combine(RepoRoot(), "scripts", "source-state.sh");

        void Expect(string commit, string state)
        {
            var (c, s) = SourceRevision.Describe(repo);
            Assert.Equal((commit, state), (c, s));
            Assert.Equal($"{commit}\t{state}", Run(repo, script, repo));
        }

        Expect(sha, "clean");
        Directory.CreateDirectory(Path.Combine(repo, "Results", "host-1"));
        File.WriteAllText(Path.Combine(repo, "Results", "host-1", "meta.json"), "{}");
        Expect(sha, "clean (untracked result files under Results/ ignored: 1)");
        // git quotes a path with a space or a non-ASCII letter ("Results/zen 5/...", "Results/\303\251t\303\251/...").
        foreach (var run in new[] { "zen 5", "été" })
        {
            Directory.CreateDirectory(Path.Combine(repo, "Results", run));
            File.WriteAllText(Path.Combine(repo, "Results", run, "meta.json"), "{}");
        }
        Expect(sha, "clean (untracked result files under Results/ ignored: 3)");
        File.WriteAllText(Path.Combine(repo, "b.cs"), "class B {}");
        Expect(sha + "-dirty", "dirty: 1 untracked file(s) outside Results/: b.cs (untracked result files under Results/ ignored: 3)");
        File.WriteAllText(Path.Combine(repo, "a.cs"), "class A { int x; }");
        Expect(sha + "-dirty", "dirty: 1 tracked file(s) changed: a.cs; 1 untracked file(s) outside Results/: b.cs (untracked result files under Results/ ignored: 3)");
        Assert.Equal(("unknown", "not a git checkout (or git is not installed)"), SourceRevision.Describe(Path.GetTempPath()));
    }

    [Fact]
    public void AStaleRunningStateIsToldFromALiveOne()
    {
        var me = ProcessIdentity.Current();
        Assert.True(me.IsRunning());
        Assert.False((me with { StartTicks = me.StartTicks + 1 }).IsRunning()); // a reused pid
        Assert.False((me with { BootId = "another-boot" }).IsRunning());
        Assert.Null((me with { Host = "some-other-host" }).IsRunning());
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        var gone = me with { Pid = p.Id };
        p.WaitForExit();
        Assert.False(gone.IsRunning());
    }
}

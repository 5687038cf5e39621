using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Benchmarks.Comparison;
using Benchmarks.Runs;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

/// <summary>
/// <c>run --against HEAD</c> as a real process in a scratch repository, with a stand-in <c>dotnet</c> first on its PATH
/// (the program itself runs on the real one): the stand-in's <c>build</c> succeeds (writing a Benchmarks.dll into its
/// <c>-o</c> folder), fails, or runs until it is stopped, as each test asks; a side's suite run copies a prepared
/// BenchmarkDotNet report into its <c>--out</c> folder (baseline and current each their own), so an A/B runs in a
/// second and measures nothing.
/// </summary>
public sealed partial class AgainstRunProcessTests : IDisposable
{
    const int SIGTERM = 15;
    const string Bench = "Benchmarks.Suite.UrpcBenchmarks.RoundTrip";

    readonly string _root = Path.Combine(Path.GetTempPath(), "against-run-process-tests-" + Guid.NewGuid().ToString("N"));
    readonly SyntheticResults _reports = new();
    string Repo => Path.Combine(_root, "repo");
    string BuildMark => Path.Combine(_root, "build.pid");

    public AgainstRunProcessTests() => Directory.CreateDirectory(Repo);

    public void Dispose()
    {
        // Worktrees the program failed to remove are this test's failure, already reported; unregister and delete them.
        var (_, list, _) = RepoPaths.Git(Repo, "worktree", "list", "--porcelain");
        foreach (var line in list.Split('\n').Where(l => l.StartsWith("worktree ", StringComparison.Ordinal)).Skip(1))
            RepoPaths.Git(Repo, "worktree", "remove", "--force", line["worktree ".Length..].Trim());
        _reports.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    /// <summary>
    /// A repository of one commit, with (or without) the URPC suite's marker file: without it, the program copies the
    /// working tree's Benchmarks/ into the worktree and builds into a temporary folder of its own.
    /// </summary>
    string Commit(bool withSuite)
    {
        File.WriteAllText(Path.Combine(Repo, "Repro.sln"), "");
        Directory.CreateDirectory(Path.Combine(Repo, "Benchmarks", "Suite"));
        File.WriteAllText(Path.Combine(Repo, "Benchmarks", "Benchmarks.csproj"), "<Project />\n");
        if (withSuite) File.WriteAllText(Path.Combine(Repo, RevisionBuild.SuiteMarker), "// the suite\n");
        File.WriteAllText(Path.Combine(Repo, ".gitignore"), "artifacts/\nout/\n");
        foreach (var args in new[] { new[] { "init", "-q" }, ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one"] })
        {
            var (code, _, err) = RepoPaths.Git(Repo, args);
            Assert.True(code == 0, $"git {string.Join(' ', args)}: {err}");
        }
        return RepoPaths.Git(Repo, "rev-parse", "HEAD").Out;
    }

    /// <summary>The stand-in dotnet. <paramref name="build"/>: "succeed", "fail" or "hang" (records its pid in
    /// <see cref="BuildMark"/> and sleeps until stopped). Side runs copy <paramref name="baseline"/>'s report for the
    /// baseline build's dll (any dll outside the test's folder) and <paramref name="current"/>'s for this one; in the
    /// confirmation rounds (an --out below confirm/) this one's is <paramref name="confirmCurrent"/>'s where given; this
    /// one's benchmark is <paramref name="currentBench"/> where given (then the two sides have none in common).</summary>
    string FakeDotnet(string build, double baseline = 100, double current = 100, double? confirmCurrent = null, string? currentBench = null)
    {
        string baseReport = _reports.Write("baseline", new Dictionary<string, double[]> { [Bench] = SyntheticResults.Normal(baseline, 1, 15, 1) });
        string curReport = _reports.Write("current", new Dictionary<string, double[]> { [currentBench ?? Bench] = SyntheticResults.Normal(current, 1, 15, 2) });
        string confirmReport = confirmCurrent is { } again
            ? _reports.Write("confirm-current", new Dictionary<string, double[]> { [Bench] = SyntheticResults.Normal(again, 1, 15, 3) })
            : curReport;
        string onBuild = build switch
        {
            "succeed" => "mkdir -p \"$o\" && touch \"$o/Benchmarks.dll\"; exit 0",
            "fail" => "mkdir -p \"$o\" && touch \"$o/Benchmarks.dll\"; echo 'error CS0001: made up' ; exit 1",
            _ => $"mkdir -p \"$o\"; echo $$ > '{BuildMark}.tmp' && mv '{BuildMark}.tmp' '{BuildMark}'; exec sleep 60",
        };
        string bin = Path.Combine(_root, "fake-bin");
        Directory.CreateDirectory(bin);
        string path = Path.Combine(bin, "dotnet");
        File.WriteAllText(path, $$"""
            #!/bin/sh
            if [ "$1" = build ]; then
              o=""; prev=""
              for a in "$@"; do [ "$prev" = -o ] && o=$a; prev=$a; done
              {{onBuild}}
            fi
            if [ "$2" = run ]; then
              out=""; prev=""
              for a in "$@"; do [ "$prev" = --out ] && out=$a; prev=$a; done
              mkdir -p "$out/bdn/results"
              case "$1" in
                '{{AppContext.BaseDirectory}}'*)
                  case "$out" in
                    */confirm/*) cp '{{confirmReport}}' "$out/bdn/results/" ;;
                    *) cp '{{curReport}}' "$out/bdn/results/" ;;
                  esac ;;
                *) cp '{{baseReport}}' "$out/bdn/results/" ;;
              esac
              exit 0
            fi
            echo "stand-in dotnet: unexpected arguments: $*" >&2
            exit 99

            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return bin;
    }

    /// <summary>Starts <c>Benchmarks run --short --against HEAD --rounds 1 --out OUT ARGS</c> in the repository, by the
    /// program's apphost: run by <c>dotnet Benchmarks.dll</c> it would take the dotnet beside its host for the build, as a
    /// real run does, not the stand-in.</summary>
    Process Start(string fakeBin, params string[] args)
    {
        string apphost = Path.Combine(AppContext.BaseDirectory, "Benchmarks");
        string? dotnet = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists);
        Assert.SkipWhen(dotnet is null || !File.Exists(apphost), "needs dotnet on PATH and the Benchmarks apphost beside the tests");
        var psi = new ProcessStartInfo(apphost) { WorkingDirectory = Repo, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["run", "--short", "--against", "HEAD", "--rounds", "1", "--out", Path.Combine(Repo, "out"), .. args])
            psi.ArgumentList.Add(a);
        psi.Environment["PATH"] = fakeBin + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(new FileInfo(dotnet!).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dotnet!)!;
        return Process.Start(psi)!;
    }

    static async Task<(int Code, string Output)> Finish(Process p, CancellationToken ct)
    {
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try { await p.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct); }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("the benchmark program did not end within 60 s");
        }
        return (p.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// The history append comes after the comparison; one that fails there (here its lock file cannot be opened: a
    /// folder stands in its place) turned the verdict into exit 4, "the program failed", which ci-regression.sh reports
    /// as "could not compare": a slowdown went unreported. The run now says the medians were not appended, naming the
    /// file, and exits with the comparison's code (0 same, 1 slower).
    /// </summary>
    [Theory]
    [InlineData(100.0, CompareRun.ExitOk)]
    [InlineData(150.0, CompareRun.ExitRegression)]
    public async Task A_history_append_that_fails_after_the_comparison_keeps_the_comparisons_exit_code(double current, int expected)
    {
        SkipUnlessTwoCores();
        var ct = TestContext.Current.CancellationToken;
        Commit(withSuite: true);
        string bin = FakeDotnet("succeed", baseline: 100, current: current);
        string history = Path.Combine(_root, "history.csv");
        Directory.CreateDirectory(history + ".lock");
        using var p = Start(bin, "--history", history);
        var (code, output) = await Finish(p, ct);
        Assert.True(code == expected, $"exit {code}, expected {expected} (the comparison's verdict):\n{output}");
        Assert.Contains($"--history {history}: this run's medians were not appended", output);
        Assert.False(File.Exists(history), "the history was written although its lock could not be taken");
    }

    /// <summary>
    /// --confirm-rounds: a benchmark found slower is measured again, and the run fails only if it is slower again; the
    /// history records each benchmark's final verdict, the confirmation's where one ran. Here the current build is 50%
    /// slower in the first rounds and, as the case says, as fast as the baseline or still slower in the confirmation.
    /// </summary>
    [Theory]
    [InlineData(100.0, CompareRun.ExitOk, "not confirmed", "same")]
    [InlineData(150.0, CompareRun.ExitRegression, "CONFIRMED regression", "slower")]
    public async Task A_slowdown_fails_the_run_only_when_the_confirmation_finds_it_again_and_the_history_records_the_final_verdict(
        double confirmCurrent, int expected, string says, string verdict)
    {
        SkipUnlessTwoCores();
        var ct = TestContext.Current.CancellationToken;
        Commit(withSuite: true);
        string history = Path.Combine(_root, "history.csv");
        using var p = Start(FakeDotnet("succeed", baseline: 100, current: 150, confirmCurrent: confirmCurrent), "--confirm-rounds", "1", "--history", history);
        var (code, output) = await Finish(p, ct);
        Assert.True(code == expected, $"exit {code}, expected {expected}:\n{output}");
        Assert.Contains("Confirmation: measuring the 1 slower benchmark(s) again", output);
        Assert.Contains(says, output);
        Assert.True(File.Exists(history), $"no history was written:\n{output}");
        Assert.Equal(verdict, Assert.Single(Benchmarks.History.HistoryFile.Read(history)).Verdict);
    }

    /// <summary>
    /// Runs whose medians must not enter the history append nothing: one whose current side carried a planted slowdown
    /// measured a build nobody committed, whatever the comparison found; one whose comparison was bad input (here: no
    /// benchmark in common) ends with exit 2, "could not compare", having reached no verdict on them.
    /// </summary>
    [Theory]
    [InlineData("planted", CompareRun.ExitOk, "History: not appended (the current side carried a planted slowdown)")]
    [InlineData("nothing in common", CompareRun.ExitBadInput, "no common benchmarks")]
    public async Task A_run_without_a_verdict_to_record_appends_nothing_to_the_history(string why, int expected, string says)
    {
        SkipUnlessTwoCores();
        var ct = TestContext.Current.CancellationToken;
        Commit(withSuite: true);
        string history = Path.Combine(_root, "history.csv");
        using var p = why == "planted"
            ? Start(FakeDotnet("succeed"), "--plant-current-delay", "200", "--history", history)
            : Start(FakeDotnet("succeed", currentBench: "Benchmarks.Suite.UrpcBenchmarks.SomethingElse"), "--history", history);
        var (code, output) = await Finish(p, ct);
        Assert.True(code == expected, $"exit {code}, expected {expected}:\n{output}");
        Assert.Contains(says, output, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(history), $"the history was written:\n{output}");
    }

    /// <summary>
    /// A revision without its own suite is built into a temporary folder of this run (<c>urpc-bench-build-SHA-PID</c>
    /// in the temp folder), not the cache: it was never removed, whether the A/B ended normally or the build failed.
    /// </summary>
    [Theory]
    [InlineData("succeed", CompareRun.ExitOk)]
    [InlineData("fail", CompareRun.ExitBadInput)]
    public async Task The_temporary_build_of_a_revision_without_a_suite_is_removed_when_the_run_ends(string build, int expected)
    {
        SkipUnlessTwoCores();
        var ct = TestContext.Current.CancellationToken;
        string sha = Commit(withSuite: false);
        using var p = Start(FakeDotnet(build));
        int pid = p.Id;
        var (code, output) = await Finish(p, ct);
        Assert.True(code == expected, $"exit {code}, expected {expected}:\n{output}");
        Assert.Contains("has no URPC suite", output);
        Assert.False(Directory.Exists(BuildOutput(sha, pid)), $"{BuildOutput(sha, pid)} is still there after the run ended:\n{output}");
        Assert.False(Directory.Exists(Worktree(sha, pid)), $"{Worktree(sha, pid)} is still there after the run ended");
    }

    /// <summary>
    /// SIGTERM to the program while it builds the baseline (what ci-regression.sh sends when it is stopped, or
    /// `timeout`): the build was started with no tie to the program and ran on after it, in the temporary worktree that
    /// the next run would remove as stale (its program gone). Now the signal stops the build and waits for it, removes
    /// the worktree (and, for a revision without a suite, the temporary build folder) and ends with 128 + 15.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_signal_during_the_baseline_build_stops_the_build_and_removes_its_worktree(bool withSuite)
    {
        SkipUnlessTwoCores();
        var ct = TestContext.Current.CancellationToken;
        string sha = Commit(withSuite);
        using var p = Start(FakeDotnet("hang"));
        int pid = p.Id, build = 0;
        try
        {
            for (int i = 0; i < 600 && !File.Exists(BuildMark) && !p.HasExited; i++) await Task.Delay(50, ct);
            Assert.True(File.Exists(BuildMark), "the stand-in build did not start within 30 s");
            build = int.Parse(File.ReadAllText(BuildMark).Trim(), CultureInfo.InvariantCulture);
            Assert.True(Directory.Exists(Worktree(sha, pid)), $"no worktree {Worktree(sha, pid)} while the build runs");
            Assert.Equal(0, kill(pid, SIGTERM));
            var (code, output) = await Finish(p, ct);
            Assert.False(IsRunning(build), $"the build (pid {build}) still runs after the program ended (exit {code}):\n{output}");
            Assert.True(code == 128 + SIGTERM, $"exit {code}, expected {128 + SIGTERM} (stopped by SIGTERM):\n{output}");
            Assert.Contains("SIGTERM", output);
            Assert.False(Directory.Exists(Worktree(sha, pid)), $"the worktree {Worktree(sha, pid)} is still there:\n{output}");
            Assert.DoesNotContain(Worktree(sha, pid), RepoPaths.Git(Repo, "worktree", "list", "--porcelain").Out);
            Assert.False(Directory.Exists(BuildOutput(sha, pid)), $"{BuildOutput(sha, pid)} is still there:\n{output}");
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            if (build != 0 && IsRunning(build)) kill(build, 9);
        }
    }

    static void SkipUnlessTwoCores() => Assert.SkipUnless(CoreAffinity.AllowedCpus().Count >= 2, "an A/B run needs two cores");

    string Worktree(string sha, int pid) => Path.Combine(Path.GetTempPath(), $"urpc-bench-{sha[..10]}-{pid}");

    static string BuildOutput(string sha, int pid) => Path.Combine(Path.GetTempPath(), $"urpc-bench-build-{sha[..10]}-{pid}");

    /// <summary>Whether a process of that id runs (a zombie, ended but not yet reaped, does not).</summary>
    static bool IsRunning(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        try { return File.Exists(stat) && !File.ReadAllText(stat).Split(')')[^1].TrimStart().StartsWith('Z'); }
        catch (IOException) { return false; }
    }
}

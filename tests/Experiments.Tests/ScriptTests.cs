using System.Diagnostics;

namespace Experiments.Tests;

/// <summary>The suite's shell scripts on crafted cases: a copy of the script in a scratch tree, with stand-ins for
/// what it calls (dotnet, the other scripts), so that each case runs in a second.</summary>
public class ScriptTests
{
    static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "Repro.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("no Repro.sln above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs <paramref name="file"/> with bash in <paramref name="dir"/>; PATH starts with
    /// <paramref name="pathFirst"/> when given, and <paramref name="env"/> is added to the environment. Returns the exit
    /// code and stdout + stderr.</summary>
    static (int Code, string Output) Bash(string dir, string file, string? pathFirst = null, IDictionary<string, string>? env = null, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(file);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (pathFirst != null) psi.Environment["PATH"] = pathFirst + ":" + Environment.GetEnvironmentVariable("PATH");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string o = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000)) { p.Kill(entireProcessTree: true); throw new TimeoutException($"{file} did not end within 60 s:\n{o}"); }
        return (p.ExitCode, o + err.Result);
    }

    /// <summary>Writes an executable script.</summary>
    static void Script(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// A stand-in for dotnet in <paramref name="root"/>/fake-bin: build succeeds; test runs <paramref name="onTest"/>
    /// with $name (the project's name) and $dir (its --results-directory) set, and a shell function
    /// <c>trx OUTCOME FILE</c> that writes a .trx of 3 passed tests, none failed, with that outcome.
    /// </summary>
    static void FakeDotnet(string root, string onTest) => Script(Path.Combine(root, "fake-bin", "dotnet"), $$"""
        #!/bin/sh
        [ "$1" = build ] && exit 0
        name=$(basename "$2" .csproj); dir=""
        while [ $# -gt 0 ]; do [ "$1" = --results-directory ] && dir=$2; shift; done
        mkdir -p "$dir"
        trx() { printf '<TestRun><ResultSummary outcome="%s">\n<Counters total="3" executed="3" passed="3" failed="0" error="0" />\n</ResultSummary></TestRun>\n' "$1" > "$dir/$2.trx"; }
        {{onTest}}
        """);

    static void Copy(string rel, string toRoot)
    {
        string dest = Path.Combine(toRoot, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        File.Copy(Path.Combine(RepoRoot(), rel), dest);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dest, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// run-all.sh as a bundle (no .NET, no build) in a scratch tree: the registry, a manifest naming a stand-in topology
    /// tool (it accepts any --check-cores as cores 0-1) and a stand-in fig1 program that exits 0 without results.
    /// </summary>
    static string RunAllBundle()
    {
        string root = TestCores.TempDir();
        Copy("run-all.sh", root);
        File.Copy(Path.Combine(RepoRoot(), "Experiments", "Schema", "experiments.tsv"), Path.Combine(root, "experiments.tsv"));
        File.WriteAllText(Path.Combine(root, "bundle.manifest"), "commit=abc1234\nsource_state=clean\ntopology=bin/topology\nfig1=bin/fig1\n");
        Script(Path.Combine(root, "bin", "topology"), "#!/bin/sh\n[ \"$1\" = --check-cores ] && { echo '2 0-1'; exit 0; }\necho 'topology stand-in'\n");
        Script(Path.Combine(root, "bin", "fig1"), "#!/bin/sh\nexit 0\n");
        return root;
    }

    [Fact]
    public void RunAllWritesValidRunMetaJsonWhatEverControlCharactersItsFieldsHold()
    {
        // json_str escaped \n, \t and \r only: a form feed or vertical tab (which --only strips as white space, but the
        // not-selected reason quotes) or an escape character in the --out path reached meta.json raw, which no JSON
        // reader accepts, so the report refused the whole run folder.
        string root = RunAllBundle();
        string run = Path.Combine(root, "run\u001b1");
        var (code, output) = Bash(root, "run-all.sh", args: ["--only", "fig1\f\v", "--out", run]);
        Assert.True(File.Exists(Path.Combine(run, "meta.json")), $"run-all.sh exited {code} without a run meta:\n{output}");
        using var meta = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "meta.json")));
        var experiments = meta.RootElement.GetProperty("experiments").EnumerateArray().ToList();
        Assert.Equal("not in --only fig1\f\v", experiments.Single(e => e.GetProperty("name").GetString() == "fig3").GetProperty("reason").GetString());
        Assert.Equal(Path.Combine(run, "fig1-shared-state", "log.txt"), experiments.Single(e => e.GetProperty("name").GetString() == "fig1").GetProperty("log").GetString());
    }

    [Fact]
    public void RunAllStartsNoExperimentAfterASignalThatCameBetweenTwoSteps()
    {
        // A signal while no program ran found no child to tell: SIGTERM during the topology step let the next experiment
        // start and run to its end (fig1 --quick: all its points, 15 s) before run-all looked at the request. The
        // stand-in topology tool sends it to run-all (its parent) while run-all writes topology.txt.
        string root = RunAllBundle();
        string started = Path.Combine(root, "fig1-started");
        Script(Path.Combine(root, "bin", "topology"), "#!/bin/sh\n[ \"$1\" = --check-cores ] && { echo '2 0-1'; exit 0; }\nkill -TERM $PPID\necho 'topology stand-in'\n");
        Script(Path.Combine(root, "bin", "fig1"), $"#!/bin/sh\ntouch '{started}'\nexit 0\n");
        string run = Path.Combine(root, "run");
        var (code, output) = Bash(root, "run-all.sh", args: ["--only", "fig1", "--out", run]);
        Assert.True(code == 143, $"run-all.sh exited {code}, expected 143:\n{output}");
        Assert.False(File.Exists(started), $"fig1 started after the signal:\n{output}");
        using var meta = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "meta.json")));
        Assert.Equal("interrupted", meta.RootElement.GetProperty("state").GetString());
        var fig1 = meta.RootElement.GetProperty("experiments").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "fig1");
        Assert.Equal("not-run", fig1.GetProperty("status").GetString());
    }

    [Fact]
    public void RunAllDoesNotShareARunFolderThatAnotherRunMadeAfterItsCheck()
    {
        // Two run-alls given the same --out both passed the "already exists" check before either made the folder, and
        // both then made it with mkdir -p, which does not fail on an existing folder: the later one wrote its meta.json
        // and results into the other's run. A stand-in mkdir plays the other run: it makes the folder just before ours.
        string root = RunAllBundle();
        string run = Path.Combine(root, "race-run");
        string realMkdir = File.Exists("/usr/bin/mkdir") ? "/usr/bin/mkdir" : "/bin/mkdir";
        Script(Path.Combine(root, "fake-bin", "mkdir"), $$"""
            #!/bin/sh
            for a; do [ "$a" = "{{run}}" ] && [ ! -e "$a" ] && {{realMkdir}} "$a" && echo '{"kind": "run", "other": true}' > "$a/meta.json"; done
            exec {{realMkdir}} "$@"
            """);
        var (code, output) = Bash(root, "run-all.sh", Path.Combine(root, "fake-bin"), args: ["--only", "fig1", "--out", run]);
        Assert.True(code == 2, $"run-all.sh exited {code}, expected 2:\n{output}");
        Assert.Contains("already exists", output);
        Assert.Equal("{\"kind\": \"run\", \"other\": true}\n", File.ReadAllText(Path.Combine(run, "meta.json")));
    }

    [Fact]
    public void RunTestsCountsATestProjectWhoseTestHostCrashedAsFailed()
    {
        // A test host that crashes (exit 134) leaves a .trx whose counters hold only the tests that finished, none
        // failed, and the outcome "Failed"; dotnet test exits 1. The summary line must not say "0 failed".
        string root = TestCores.TempDir();
        Copy("run-tests.sh", root);
        Copy("scripts/failed-tests.sh", root);
        Script(Path.Combine(root, "scripts", "install-deps.sh"), "#!/bin/sh\nexit 0\n");
        foreach (var t in new[] { "Fine.Tests", "Crashes.Tests" })
        {
            Directory.CreateDirectory(Path.Combine(root, "tests", t));
            File.WriteAllText(Path.Combine(root, "tests", t, t + ".csproj"), "<Project />");
        }
        FakeDotnet(root, """
            if [ "$name" = Crashes.Tests ]; then trx Failed "$name"; exit 1; fi
            trx Completed "$name"
            """);
        AssertFailsCountingTheCrash(root, "run-tests.sh", "6 passed, 1 failed, 0 skipped", "Crashes.Tests: the test run failed");
    }

    [Fact]
    public void RunTestsHelpPrintsItsUsageAndRunsNothing()
    {
        // run-tests.sh --help went to dotnet test after installing packages and building the solution, and every
        // project then counted as failed. A stand-in install-deps.sh fails loudly, so reaching it fails the test.
        string root = TestCores.TempDir();
        Copy("run-tests.sh", root);
        Script(Path.Combine(root, "scripts", "install-deps.sh"), "#!/bin/sh\necho 'install-deps.sh reached'\nexit 7\n");
        var (code, output) = Bash(root, "run-tests.sh", args: ["--help"]);
        Assert.True(code == 0, $"exit {code}:\n{output}");
        Assert.Contains("Usage: ./run-tests.sh [extra dotnet test args", output);
        Assert.DoesNotContain("install-deps.sh reached", output);
        Assert.False(Directory.Exists(Path.Combine(root, "TestResults")), "run-tests.sh made its results folder");
    }

    [Fact]
    public void CiCountsADebugKernelTestRunWhoseTestHostCrashedAsFailed()
    {
        // .ci/run with every other stage stubbed (each passes); the Debug kernel tests' host crashes: dotnet test exits 1
        // and its .trx counts the finished tests only, none failed. CI must fail and count it. The copy writes its logs
        // into the scratch tree instead of /tmp, so that it cannot touch the logs of a CI run this test is part of.
        string root = TestCores.TempDir();
        string ci = File.ReadAllText(Path.Combine(RepoRoot(), ".ci", "run")).Replace("/tmp/ci-", Path.Combine(root, "logs") + "/ci-");
        Assert.DoesNotContain("/tmp/ci-", ci);
        Script(Path.Combine(root, ".ci", "run"), ci);
        Directory.CreateDirectory(Path.Combine(root, "logs"));
        Copy("scripts/failed-tests.sh", root);
        Directory.CreateDirectory(Path.Combine(root, "tests", "Multikernel.Tests"));
        File.WriteAllText(Path.Combine(root, "tests", "Multikernel.Tests", "Multikernel.Tests.csproj"), "<Project />");
        Script(Path.Combine(root, "run-tests.sh"), "#!/bin/sh\necho \"3 passed, 0 failed, 0 skipped\"\n");
        foreach (var e in new[] { "run-all-quick", "run-all-cli", "bundle" })
            Script(Path.Combine(root, "tests", "e2e", e + ".sh"), "#!/bin/sh\necho \"1 passed, 0 failed\"\n");
        Script(Path.Combine(root, "Benchmarks", "ci-regression.sh"), "#!/bin/sh\necho \"urpc-regression: no regression\"\n");
        FakeDotnet(root, """
            trx Failed kernel-debug
            echo "Passed!  - Failed:     0, Passed:     3"
            exit 1
            """);
        AssertFailsCountingTheCrash(root, ".ci/run", "10 passed, 1 failed, 0 skipped", "kernel tests in Debug: the test run failed");
    }

    /// <summary>
    /// Runs <paramref name="script"/> in <paramref name="root"/> with its fake-bin first on PATH and asserts that the
    /// crashed test run fails it: exit 1, the last line the <paramref name="summary"/> (which counts the crash as one
    /// failed), and the <paramref name="failure"/> line naming the run.
    /// </summary>
    static void AssertFailsCountingTheCrash(string root, string script, string summary, string failure)
    {
        var (code, output) = Bash(root, script, Path.Combine(root, "fake-bin"));
        Assert.Equal(1, code);
        Assert.EndsWith(summary, output.TrimEnd());
        Assert.Contains(failure, output);
    }

    /// <summary>Runs git with <paramref name="args"/> in <paramref name="dir"/> and asserts it succeeded.</summary>
    static void Git(string dir, string args)
    {
        using var p = Process.Start(new ProcessStartInfo("git", args) { WorkingDirectory = dir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
        p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"git {args} exited {p.ExitCode}");
    }

    /// <summary>
    /// Benchmarks/ci-regression.sh in a scratch repository of one commit, with a stand-in dotnet (the build passes; the
    /// benchmark program says it ran and exits 0): the script's own decision before any benchmark runs.
    /// </summary>
    static (int Code, string Output) CiRegression(string? against, IDictionary<string, string>? extraEnv = null)
    {
        Assert.SkipWhen(Environment.GetEnvironmentVariable("PATH")?.Split(':').All(d => !File.Exists(Path.Combine(d, "git"))) ?? true, "git is not installed");
        string root = TestCores.TempDir();
        Copy("Benchmarks/ci-regression.sh", root);
        Script(Path.Combine(root, "fake-bin", "dotnet"), "#!/bin/sh\n[ \"$1\" = build ] && exit 0\necho \"benchmark program ran: $*\"\nexit 0\n");
        File.WriteAllText(Path.Combine(root, ".gitignore"), "fake-bin/\n");
        foreach (var git in new[] { "init -q", "add -A", "-c user.name=t -c user.email=t@t commit -qm one" }) Git(root, git);
        var env = new Dictionary<string, string> { ["URPC_CI_HISTORY"] = "", ["URPC_CI_OUT"] = Path.Combine(root, "out") };
        if (against != null) env["URPC_CI_AGAINST"] = against;
        foreach (var (k, v) in extraEnv ?? new Dictionary<string, string>()) env[k] = v;
        return Bash(root, "Benchmarks/ci-regression.sh", Path.Combine(root, "fake-bin"), env);
    }

    [Fact]
    public void CiRegressionRefusesABaselineRevisionThatDoesNotExist()
    {
        // A baseline named in URPC_CI_AGAINST that is not a commit here (a typo, a branch not fetched) was taken for
        // "no parent commit": the check printed "nothing to compare, skipping" and exited 0, a pass without a comparison.
        var (code, output) = CiRegression("no-such-branch");
        Assert.True(code == 2, $"ci-regression.sh exited {code}, expected 2 (could not compare):\n{output}");
        Assert.Contains("no-such-branch", output);
        Assert.DoesNotContain("nothing to compare, skipping", output);
        Assert.DoesNotContain("benchmark program ran", output);
    }

    [Theory]
    [InlineData("URPC_CI_ROUNDS", "abc")]
    [InlineData("URPC_CI_ROUNDS", "0")]
    [InlineData("URPC_CI_ROUNDS", "101")]
    [InlineData("URPC_CI_CONFIRM_ROUNDS", "-1")]
    [InlineData("URPC_CI_CONFIRM_ROUNDS", "three")]
    public void CiRegressionRefusesABadRoundCountNamingItsVariable(string variable, string value)
    {
        // A bad count went to the benchmark program after the build, whose error named only its option (--rounds,
        // --confirm-rounds), not the variable the user had set.
        var (code, output) = CiRegression("HEAD", new Dictionary<string, string> { [variable] = value });
        Assert.True(code == 2, $"ci-regression.sh exited {code}, expected 2 (could not compare):\n{output}");
        Assert.Contains($"{variable}='{value}'", output);
        Assert.DoesNotContain("benchmark program ran", output);
    }

    /// <summary>
    /// SIGTERM to ci-regression.sh while the benchmark program runs (a cancelled job, a kill of the script): the shell
    /// died at once and left the program running on, still measuring on the benchmark cores and then appending to the
    /// history. The script now stops the program, waits for it, says "could not compare" and exits 143 (128 + TERM).
    /// </summary>
    [Fact]
    public Task CiRegressionStoppedBySigtermStopsTheBenchmarkProgramAndSaysItCouldNotCompare() => CiRegressionStoppedBySigtermWhile("program");

    /// <summary>
    /// The same while the suite builds: the build ran in the foreground with no trap set, so the shell died at once and
    /// left `dotnet build` running on (writing into the tree), with no word of why. The script now stops the build,
    /// waits for it, says "could not compare", exits 143 and starts no benchmark program.
    /// </summary>
    [Fact]
    public Task CiRegressionStoppedBySigtermDuringTheBuildStopsTheBuildAndSaysItCouldNotCompare() => CiRegressionStoppedBySigtermWhile("build");

    /// <summary>Runs ci-regression.sh with a stand-in dotnet whose <paramref name="stage"/> ("build" or "program") records
    /// its pid and runs until stopped; sends the script SIGTERM then, and checks that the stand-in was stopped and waited for.</summary>
    static async Task CiRegressionStoppedBySigtermWhile(string stage)
    {
        Assert.SkipWhen(Environment.GetEnvironmentVariable("PATH")?.Split(':').All(d => !File.Exists(Path.Combine(d, "git"))) ?? true, "git is not installed");
        var ct = TestContext.Current.CancellationToken;
        string root = TestCores.TempDir();
        Copy("Benchmarks/ci-regression.sh", root);
        string mark = Path.Combine(root, "program.pid");
        // The stand-in records its pid, then runs (sleep keeps the pid: exec) until it is stopped.
        string runs = $"echo $$ > '{mark}.tmp' && mv '{mark}.tmp' '{mark}'\nexec sleep 30\n";
        Script(Path.Combine(root, "fake-bin", "dotnet"), stage == "build"
            ? $"#!/bin/sh\nif [ \"$1\" = build ]; then\n{runs}fi\necho \"benchmark program ran: $*\"\nexit 0\n"
            : $"#!/bin/sh\n[ \"$1\" = build ] && exit 0\necho \"benchmark program ran: $*\"\n{runs}");
        File.WriteAllText(Path.Combine(root, ".gitignore"), "fake-bin/\nprogram.pid*\n");
        foreach (var git in new[] { "init -q", "add -A", "-c user.name=t -c user.email=t@t commit -qm one" }) Git(root, git);
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("Benchmarks/ci-regression.sh");
        psi.Environment["PATH"] = Path.Combine(root, "fake-bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["URPC_CI_HISTORY"] = "";
        psi.Environment["URPC_CI_OUT"] = Path.Combine(root, "out");
        psi.Environment["URPC_CI_AGAINST"] = "HEAD";
        using var script = Process.Start(psi)!;
        var stdout = script.StandardOutput.ReadToEndAsync(ct);
        var stderr = script.StandardError.ReadToEndAsync(ct);
        int program = 0;
        try
        {
            for (int i = 0; i < 400 && !File.Exists(mark); i++) await Task.Delay(50, ct);
            Assert.True(File.Exists(mark), $"the {stage} stand-in did not start within 20 s");
            program = int.Parse(File.ReadAllText(mark).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            using (var kill = Process.Start(new ProcessStartInfo("kill", $"-TERM {script.Id}") { UseShellExecute = false })!)
                await kill.WaitForExitAsync(ct);
            await script.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(20), ct);
            // Looked at before the output is read: a stand-in left running holds the output pipes open.
            Assert.False(IsRunning(program), $"the {stage} stand-in (pid {program}) is still running after the script ended (exit {script.ExitCode})");
            string output = await stdout + await stderr;
            Assert.True(script.ExitCode == 143, $"ci-regression.sh exited {script.ExitCode}, expected 143 (stopped by SIGTERM):\n{output}");
            Assert.Contains("could not compare", output);
            if (stage == "build") Assert.DoesNotContain("benchmark program ran", output);
        }
        finally
        {
            if (!script.HasExited) script.Kill(entireProcessTree: true);
            if (program != 0 && IsRunning(program)) { try { Process.GetProcessById(program).Kill(); } catch (ArgumentException) { } }
        }
    }

    /// <summary>Whether a process of that id runs (a zombie, ended but not yet reaped, does not).</summary>
    static bool IsRunning(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        try { return File.Exists(stat) && !File.ReadAllText(stat).Split(')')[^1].TrimStart().StartsWith('Z'); }
        catch (IOException) { return false; }
    }

    [Fact]
    public void CiRegressionSkipsTheFirstCommitWhichHasNoParent()
    {
        // HEAD~1 of the first commit (or of a shallow clone) does not exist: nothing to compare, and that is no failure,
        // whether the revision is the default or named (the workflow names HEAD~1 on a push).
        foreach (var against in new[] { null, "HEAD~1", "HEAD^" })
        {
            var (code, output) = CiRegression(against);
            Assert.True(code == 0, $"ci-regression.sh (URPC_CI_AGAINST {against ?? "unset"}) exited {code}, expected 0:\n{output}");
            Assert.Contains("nothing to compare, skipping", output);
        }
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("--help-me")]
    [InlineData("12")]
    [InlineData("100000")]
    [InlineData("-5")]
    [InlineData("")]
    public void DeviceRunRefusesABudgetThatIsNotSecondsBeforeTouchingAnything(string budget)
    {
        // A budget that was not a number (run.sh abc, run.sh --help) went into each step's arithmetic: every step was
        // skipped and the script exited 0, after removing /tmp/mk-bundle. It is refused first now, with exit 2.
        string root = TestCores.TempDir();
        Copy("scripts/device/run.sh", root);
        string outDir = Path.Combine(root, "out");
        var (code, output) = Bash(root, "scripts/device/run.sh", env: new Dictionary<string, string> { ["OUT"] = outDir }, args: [budget]);
        Assert.True(code == 2, $"exit {code}:\n{output}");
        Assert.Contains($"not '{budget}'", output);
        Assert.Contains("60 to 86400", output);
        Assert.False(Directory.Exists(outDir), "run.sh made its output folder before refusing the budget");
    }

    [Fact]
    public void DeviceRunHelpPrintsItsUsage()
    {
        string root = TestCores.TempDir();
        Copy("scripts/device/run.sh", root);
        var (code, output) = Bash(root, "scripts/device/run.sh", env: new Dictionary<string, string> { ["OUT"] = Path.Combine(root, "out") }, args: ["--help"]);
        Assert.True(code == 0, $"exit {code}:\n{output}");
        Assert.Contains("usage: scripts/device/run.sh [TOTAL_BUDGET_SECONDS]", output);
        Assert.False(Directory.Exists(Path.Combine(root, "out")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-such-bundle")]
    public void NumaVmCheckRefusesABundleWithoutRunAllBeforeBuildingTheGuestImage(string bundle)
    {
        // An empty --bundle silently made a new bundle, and a wrong one was found only after the guest image was
        // built (minutes of debootstrap); a relative one was taken from the repository root, not the caller's folder.
        // A stand-in build-image.sh fails loudly, so reaching it fails the test.
        string root = TestCores.TempDir();
        Copy("scripts/numa-vm/check.sh", root);
        File.Copy(Path.Combine(RepoRoot(), "scripts", "numa-vm", "topologies.tsv"), Path.Combine(root, "scripts", "numa-vm", "topologies.tsv"));
        Script(Path.Combine(root, "scripts", "numa-vm", "build-image.sh"), "#!/bin/sh\necho 'build-image.sh reached'\nexit 7\n");
        var (code, output) = Bash(root, "scripts/numa-vm/check.sh", args: ["--bundle", bundle, "--topology", "4s2c"]);
        Assert.True(code == 2, $"exit {code}:\n{output}");
        Assert.DoesNotContain("build-image.sh reached", output);
        if (bundle.Length > 0) Assert.Contains($"'{Path.Combine(root, bundle)}' holds no run-all.sh", output);
    }

    [Fact]
    public void DeviceRunLeavesARunFolderTheReportReads()
    {
        // The report takes every folder directly in a run folder whose name does not start with '.' for an experiment's
        // (results.csv and meta.json, or a log.txt) and refuses the whole run for any other. scripts/device/run.sh ran
        // the NAS benchmarks with --out "$run/nas", so nas/ held only compute/: `report --run` on a device run exited 1
        // ("nas: neither results.csv nor meta.json (and no log.txt): not an experiment folder").
        string script = File.ReadAllText(Path.Combine(RepoRoot(), "scripts", "device", "run.sh"));
        var outs = System.Text.RegularExpressions.Regex.Matches(script, @"^(?<line>[^#\n]*--out ""\$run(?<sub>/[^""]*)?"".*)$",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(outs.Count >= 5, $"found {outs.Count} --out \"$run...\" in run.sh");
        foreach (System.Text.RegularExpressions.Match m in outs)
        {
            string sub = m.Groups["sub"].Value.TrimStart('/');
            if (sub.Length == 0) continue; // the run folder itself: the program writes its experiment folders into it
            // benchmarks urpc-vs-native writes results.csv and meta.json into --out itself: an experiment folder.
            bool experimentFolder = m.Groups["line"].Value.Contains(" urpc-vs-native ", StringComparison.Ordinal) && !sub.Contains('/');
            Assert.True(sub.StartsWith('.') || experimentFolder,
                $"run.sh writes a run of its own into $run/{sub}, a folder the report reads as an experiment's; use a dot folder:\n{m.Groups["line"].Value.Trim()}");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("x")]
    public void SplashOriginalsRefusesARepetitionCountThatIsNotOneOrMoreBeforeRunning(string repetitions)
    {
        // An empty REPETITIONS was taken for "not given" and ran the default 5; the stand-in programs write a mark
        // when run, so a run that should have been refused shows.
        string root = TestCores.TempDir();
        Copy("scripts/device/splash-originals.sh", root);
        string bin = Path.Combine(root, "bin"), mark = Path.Combine(root, "ran");
        foreach (var program in new[] { "BARNES", "RADIOSITY" }) Script(Path.Combine(bin, program), $"#!/bin/sh\ntouch '{mark}'\n");
        File.WriteAllText(Path.Combine(bin, "barnes.input"), "16384\n7\n");
        var (code, output) = Bash(root, "scripts/device/splash-originals.sh", args: ["run", bin, Path.Combine(root, "out"), repetitions]);
        Assert.True(code == 2, $"splash-originals.sh run exited {code}:\n{output}");
        Assert.Contains($"REPETITIONS must be a positive whole number, got '{repetitions}'", output);
        Assert.False(File.Exists(mark), "a program ran");
    }

    /// <summary>
    /// An empty (or blank) SPLASH3, DEST, DIR or OUT: `build SRC ''` copied the sources and ran make before it failed to
    /// make DEST (and as root wrote build.txt into / instead); an empty SPLASH3, DIR or OUT was reported as a missing
    /// checkout or build (exit 1). Each is refused before any work, exit 2, naming the argument. The stand-in make writes a
    /// mark and fails, so a build that should have been refused shows and writes nothing.
    /// </summary>
    [Theory]
    [InlineData("build", "SRC", "", "DEST")]
    [InlineData("build", "SRC", " ", "DEST")]
    [InlineData("build", "", "DEST", "SPLASH3")]
    [InlineData("run", "", "OUT", "DIR")]
    [InlineData("run", "DIR", "", "OUT")]
    public void SplashOriginalsRefusesAnEmptyArgumentBeforeAnyWork(string command, string first, string second, string named)
    {
        string root = TestCores.TempDir();
        Copy("scripts/device/splash-originals.sh", root);
        string src = Path.Combine(root, "splash3"), mark = Path.Combine(root, "make-ran");
        foreach (var dir in new[] { "codes/pthread_macros", "codes/apps/barnes", "codes/apps/radiosity" }) Directory.CreateDirectory(Path.Combine(src, dir));
        File.WriteAllText(Path.Combine(src, "codes", "Makefile.config"), "CFLAGS := -O2 -pthread\nMACROS := c.m4.null.POSIX\n");
        foreach (var tool in new[] { "gcc", "m4" }) Script(Path.Combine(root, "fake-bin", tool), "#!/bin/sh\nexit 0\n");
        Script(Path.Combine(root, "fake-bin", "make"), $"#!/bin/sh\ntouch '{mark}'\nexit 1\n");
        string Arg(string a) => a switch { "SRC" => src, "DEST" => Path.Combine(root, "dest"), "DIR" => Path.Combine(root, "bin"), "OUT" => Path.Combine(root, "out"), _ => a };
        var (code, output) = Bash(root, "scripts/device/splash-originals.sh", Path.Combine(root, "fake-bin"), args: [command, Arg(first), Arg(second)]);
        Assert.True(code == 2, $"splash-originals.sh {command} exited {code}, expected 2 (bad input):\n{output}");
        Assert.Contains($"{named} is empty", output);
        Assert.False(File.Exists(mark), "make ran");
        Assert.False(Directory.Exists(Path.Combine(root, "out")), "run made its output folder");
    }

    [Fact]
    public void SplashOriginalsHelpPrintsItsUsageAndSucceeds()
    {
        // --help printed the usage but exited 2, as for a wrong command line.
        string root = TestCores.TempDir();
        Copy("scripts/device/splash-originals.sh", root);
        var (code, output) = Bash(root, "scripts/device/splash-originals.sh", args: ["--help"]);
        Assert.True(code == 0, $"splash-originals.sh --help exited {code}:\n{output}");
        Assert.Contains("Usage: scripts/device/splash-originals.sh build SPLASH3 DEST", output);
        var (bad, _) = Bash(root, "scripts/device/splash-originals.sh", args: ["--help", "extra"]);
        Assert.Equal(2, bad);
    }

    [Fact]
    public void SplashOriginalsPinsItsRunsToTheCpusItMayRunOn()
    {
        // `splash-originals.sh run` pinned k threads to CPUs 0..k-1 (taskset -c 0-(k-1)) whatever CPUs it was given: run
        // under taskset (or in a cgroup cpuset) on CPUs 1.. it pinned its one-thread runs to CPU 0, outside its mask (in a
        // cpuset, taskset fails). The stand-ins print the CPUs they may run on into their logs.
        var allowed = Multikernel.Hardware.CoreAffinity.AllowedCpus();
        Assert.SkipUnless(allowed.Count >= 2, "needs two CPUs to run the script on one that is not the first");
        Assert.SkipWhen(Environment.GetEnvironmentVariable("PATH")?.Split(':').All(d => !File.Exists(Path.Combine(d, "taskset"))) ?? true, "taskset is not installed");
        int cpu = allowed[^1];
        string root = TestCores.TempDir();
        Copy("scripts/device/splash-originals.sh", root);
        string bin = Path.Combine(root, "bin");
        Script(Path.Combine(bin, "BARNES"), "#!/bin/sh\ngrep Cpus_allowed_list /proc/self/status\necho 'COMPUTETIME   =       123456'\n");
        Script(Path.Combine(bin, "RADIOSITY"), "#!/bin/sh\ngrep Cpus_allowed_list /proc/self/status\nprintf '\\tTotal time without initialization\\t 98765\\n'\n");
        File.WriteAllText(Path.Combine(bin, "barnes.input"), "16384\n7\n");
        Script(Path.Combine(root, "on-one-cpu.sh"), $"#!/bin/sh\nexec taskset -c {cpu} bash \"$@\"\n");
        var (code, output) = Bash(root, "on-one-cpu.sh", args: ["scripts/device/splash-originals.sh", "run", bin, Path.Combine(root, "out"), "1"]);
        Assert.True(code == 0, $"splash-originals.sh run exited {code}:\n{output}");
        Assert.Equal(["program,threads,run,seconds,wall_seconds,exit,elements,interactions,iterations", "BARNES,1,1,0.123456", "RADIOSITY,1,1,0.098765"],
            File.ReadAllLines(Path.Combine(root, "out", "originals.csv")).Select(l => l.StartsWith("program", StringComparison.Ordinal) ? l : string.Join(',', l.Split(',').Take(4))));
        foreach (var log in new[] { "BARNES-p1-r1.txt", "RADIOSITY-p1-r1.txt" })
            Assert.Contains($"Cpus_allowed_list:\t{cpu}\n", File.ReadAllText(Path.Combine(root, "out", "logs", log)));
    }

    [Theory]
    [InlineData("--help", 0)]
    [InlineData("--bogus", 2)]
    [InlineData("extra", 2)]
    public void DevicePrepareRefusesArgumentsBeforeTouchingTheCarriedFolder(string arg, int expected)
    {
        // prepare.sh takes no arguments, but ignored any (--help included): it removed .device/carry and went on to
        // install packages and build the bundle (minutes). A stand-in install-deps.sh fails loudly, so reaching it
        // fails the test.
        string root = TestCores.TempDir();
        Copy("scripts/device/prepare.sh", root);
        Script(Path.Combine(root, "scripts", "install-deps.sh"), "#!/bin/sh\necho 'install-deps.sh reached'\nexit 7\n");
        string kept = Path.Combine(root, ".device", "carry", "bundle.tar.xz");
        Directory.CreateDirectory(Path.GetDirectoryName(kept)!);
        File.WriteAllText(kept, "an earlier bundle");
        var (code, output) = Bash(root, "scripts/device/prepare.sh", args: [arg]);
        Assert.True(code == expected, $"exit {code}:\n{output}");
        Assert.Contains("usage: scripts/device/prepare.sh", output);
        Assert.DoesNotContain("install-deps.sh reached", output);
        Assert.True(File.Exists(kept), "prepare.sh removed .device/carry before refusing its arguments");
    }

    [Theory]
    [InlineData(0, "--help")]
    [InlineData(2, "-o")]
    [InlineData(2, "")]
    [InlineData(2, "urpc_pingpong", "")]
    [InlineData(2, "urpc_pingpong", "out", "extra")]
    public void NativeBuildRefusesOptionLikeEmptyOrExtraArgumentsBeforeCompiling(int expected, params string[] args)
    {
        // build.sh took any first argument that is not a program name for OUT: build.sh --help compiled the reference
        // into a file named --help in the current folder; an empty OUT or a third argument was ignored.
        string root = TestCores.TempDir();
        Copy("Benchmarks/native/build.sh", root);
        var (code, output) = Bash(root, "Benchmarks/native/build.sh", args: args);
        Assert.True(code == expected, $"exit {code}:\n{output}");
        Assert.Contains(expected == 0 ? "Usage: Benchmarks/native/build.sh [PROGRAM] [OUT]" : "build.sh: error:", output);
        Assert.DoesNotContain("built ", output);
        Assert.Equal(["Benchmarks"], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public void DevicePrepareSizesACheckoutWithADeletedTrackedFile()
    {
        // scripts/device/prepare.sh (set -e, pipefail) sums the sizes of the checkout's files; a tracked file deleted from
        // the work tree (it does not travel) made stat, and so the whole script, fail silently after the bundle was made.
        foreach (var tool in new[] { "git", "xz" })
            Assert.SkipWhen(Environment.GetEnvironmentVariable("PATH")?.Split(':').All(d => !File.Exists(Path.Combine(d, tool))) ?? true, $"{tool} is not installed");
        string root = TestCores.TempDir();
        Copy("scripts/device/prepare.sh", root);
        Script(Path.Combine(root, "scripts", "install-deps.sh"), "#!/bin/sh\nexit 0\n");
        Script(Path.Combine(root, "run-all.sh"), "#!/bin/sh\nmkdir -p \"$2\" && echo bundle > \"$2/file\"\n");   // --bundle DIR
        File.WriteAllText(Path.Combine(root, ".gitignore"), ".device/\n");
        File.WriteAllText(Path.Combine(root, "kept.txt"), "kept");
        File.WriteAllText(Path.Combine(root, "deleted.txt"), "deleted");
        foreach (var git in new[] { "init -q", "add -A", "-c user.name=t -c user.email=t@t commit -qm one" }) Git(root, git);
        File.Delete(Path.Combine(root, "deleted.txt"));
        var (code, output) = Bash(root, "scripts/device/prepare.sh", env: new Dictionary<string, string> { ["SPLASH3"] = Path.Combine(root, "no-splash") });
        Assert.True(code == 0, $"prepare.sh exited {code}:\n{output}");
        Assert.Contains("to send (limit 64 MiB)", output);
    }

    [Fact]
    public void InstallDepsFindsLighttpdInUsrSbinOffAUsersPath()
    {
        // Debian installs lighttpd in /usr/sbin only, which a normal user's PATH lacks: install-deps.sh called it missing
        // (and so did run-tests.sh, which stops there) on a machine that had it; the io experiment finds it there.
        Assert.SkipUnless(File.Exists("/usr/sbin/lighttpd"), "lighttpd is not installed in /usr/sbin here");
        string root = TestCores.TempDir();
        Copy("scripts/install-deps.sh", root);
        string stubs = Path.Combine(root, "stubs");
        foreach (var c in new[] { "chromium", "wrk", "ip", "pdfinfo", "pdftoppm", "pdftotext" }) Script(Path.Combine(stubs, c), "#!/bin/sh\n");
        var (code, output) = Bash(root, "scripts/install-deps.sh", env: new Dictionary<string, string> { ["PATH"] = stubs, ["REPRO_NO_INSTALL"] = "1" });
        Assert.True(code == 0, $"install-deps.sh exited {code}:\n{output}");
    }
}

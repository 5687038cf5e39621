using System.Diagnostics;
using Benchmarks.Comparison;
using Benchmarks.History;
using Benchmarks.Suite;
using Experiments.Common;

namespace Benchmarks.Runs;

/// <summary>
/// Same-machine A/B: builds the baseline revision (<see cref="RevisionBuild"/>), then runs the baseline and the
/// current build on this machine in alternation, A B A B ..., each run a fresh process running the suite on the same
/// cores; then compares all baseline rounds with all current rounds (<see cref="CompareRun"/>). Interleaving spreads
/// slow phases of a shared machine over both sides instead of blaming one of them.
/// <para>With ConfirmRounds &gt; 0, benchmarks found slower are measured again in fresh interleaved rounds, and
/// only a slowdown found both times fails the run.</para>
/// <para>The "current" build is the one running this command. The planted slowdown, when asked for, is set for the
/// current side only; neither side inherits URPC_PLANTED_SEND_DELAY_CYCLES from this process otherwise.</para>
/// <para>Folder: OutDir/baseline/round-N/, OutDir/current/round-N/ (each a suite run folder with its log),
/// OutDir/confirm/... (the confirmation rounds, when asked for and needed), OutDir/comparison.md. Exit code: the
/// comparer's (0, 1, 2); when a round fails, the side's own code where it says what went wrong (3: a benchmark did not
/// complete, 4: the program failed), else 2 (the baseline did not build, or a side could not run or wrote no results);
/// stopped by SIGINT, SIGTERM or SIGHUP (<see cref="AbortSignals"/>), 128 + the signal, having stopped and waited for
/// the build or suite run in progress and appended nothing to the history. A history append that fails after the
/// comparison leaves the comparison's code (<see cref="AppendHistory"/>).</para>
/// </summary>
public static class AgainstRun
{
    public static int Execute(AgainstRunOptions o, TextWriter stdout, TextWriter stderr)
    {
        using var signals = new AbortSignals();
        try { return Execute(o, stdout, stderr, signals.Token); }
        catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
        {
            stderr.WriteLine($"error: stopped by {signals.Name} before a verdict (exit {signals.ExitCode}): the build or suite run in progress was stopped "
                + $"and waited for, its temporary worktree and build removed; the rounds finished so far are in {o.OutDir}");
            return signals.ExitCode;
        }
    }

    static int Execute(AgainstRunOptions o, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        string repo = RepoPaths.Root();
        RevisionBuild baseline;
        try { baseline = o.BaselineBuild != null ? RevisionBuild.Prebuilt(o.BaselineBuild) : RevisionBuild.Make(repo, o.Revision, stderr, stop); }
        catch (RevisionBuildException e) { stderr.WriteLine($"error: {e.Message}"); return CompareRun.ExitBadInput; }
        using (baseline) return Execute(o, baseline, repo, stdout, stderr, stop);
    }

    static int Execute(AgainstRunOptions o, RevisionBuild baseline, string repo, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        // This build's assembly, run again as the "current" side (an A/B needs the suite as a .dll, not a single-file app).
        string currentDll = Path.Combine(AppContext.BaseDirectory, typeof(AgainstRun).Assembly.GetName().Name + ".dll");
        if (!File.Exists(currentDll)) { stderr.WriteLine($"error: --against needs this program as a .dll beside its dependencies ({currentDll} is missing)"); return CompareRun.ExitBadInput; }
        string currentCommit = RepoPaths.DescribeHead(repo);
        var sides = new[]
        {
            new Side("baseline", baseline.AssemblyPath, baseline.Sha, 0L),
            new Side("current", currentDll, currentCommit, o.PlantCurrentDelayCycles),
        };
        Directory.CreateDirectory(o.OutDir);
        int failed = RunRounds(sides, o.OutDir, o.Rounds, o.Filter, o, repo, stderr, stop);
        if (failed != CompareRun.ExitOk) return failed;

        stdout.WriteLine();
        stdout.WriteLine($"A/B on this machine: baseline {o.Revision} ({baseline.Sha}) vs current ({currentCommit}), {o.Rounds} interleaved rounds, cores {o.Cores}"
            + (o.PlantCurrentDelayCycles != 0 ? $", PLANTED slowdown {o.PlantCurrentDelayCycles} cycles per send in the current build" : ""));
        if (baseline.Note.Length > 0) stdout.WriteLine($"note: {baseline.Note}");
        var table = new StringWriter();
        var tee = new TeeWriter(stdout, table);
        int exit = CompareRun.Execute(new CompareOptions(Path.Combine(o.OutDir, "baseline"), Path.Combine(o.OutDir, "current"), o.Threshold, o.Alpha), tee, stderr, out var report);

        // Each benchmark's final verdict for the history: the first comparison's, or the confirmation's where one ran.
        var verdicts = (report?.Rows ?? []).ToDictionary(r => r.Name, r => r.Verdict);
        stop.ThrowIfCancellationRequested();
        if (exit == CompareRun.ExitRegression && o.ConfirmRounds > 0 && report != null)
        {
            // A slowdown found on a shared machine may be a burst of load during the current side's rounds. Measure the
            // flagged benchmarks again in fresh interleaved rounds; only a slowdown seen both times counts.
            var flagged = report.Rows.Where(r => r.Verdict == Verdict.Slower).Select(r => r.Name).ToList();
            tee.WriteLine();
            tee.WriteLine($"Confirmation: measuring the {flagged.Count} slower benchmark(s) again in {o.ConfirmRounds} fresh interleaved rounds");
            string confirmDir = Path.Combine(o.OutDir, "confirm");
            failed = RunRounds(sides, confirmDir, o.ConfirmRounds, string.Join(',', flagged), o, repo, stderr, stop);
            if (failed != CompareRun.ExitOk) return failed;
            int again = CompareRun.Execute(new CompareOptions(Path.Combine(confirmDir, "baseline"), Path.Combine(confirmDir, "current"), o.Threshold, o.Alpha), tee, stderr, out var second);
            if (again == CompareRun.ExitBadInput || second == null) return CompareRun.ExitBadInput;
            var confirmed = second.Rows.Where(r => r.Verdict == Verdict.Slower && flagged.Contains(r.Name)).Select(r => ComparisonTable.ShortName(r.Name)).ToList();
            tee.WriteLine(confirmed.Count > 0
                ? $"CONFIRMED regression beyond {o.Threshold}: {string.Join(", ", confirmed)} (exit 1)"
                : $"not confirmed: no benchmark was slower in both measurements; treated as noise of the shared machine (exit 0)");
            exit = confirmed.Count > 0 ? CompareRun.ExitRegression : CompareRun.ExitOk;
            foreach (var r in second.Rows.Where(r => flagged.Contains(r.Name))) verdicts[r.Name] = r.Verdict;
        }
        AtomicFile.WriteAllText(Path.Combine(o.OutDir, "comparison.md"), table.ToString());

        stop.ThrowIfCancellationRequested(); // a run stopped before its verdict appends nothing
        if (o.HistoryPath != null && exit != CompareRun.ExitBadInput) AppendHistory(o, verdicts, stdout, stderr);
        return exit;
    }

    /// <summary>
    /// Appends the current side's medians, with the final verdicts, to the history. The comparison is done by then, so
    /// an append that fails (the file or its folder not writable, a full disk, the lock held too long) is reported as an
    /// error naming the file and leaves the run's exit code the comparison's: a slowdown must not read as "could not
    /// compare" (exit 4), nor the reverse.
    /// </summary>
    internal static void AppendHistory(AgainstRunOptions o, IReadOnlyDictionary<string, Verdict> verdicts, TextWriter stdout, TextWriter stderr)
    {
        var current = ResultSet.Load(Path.Combine(o.OutDir, "current"));
        var meta = current.Meta ?? RunMeta.Describe(SuiteRun.Experiment, [o.Cores.Local, o.Cores.Remote], ProfileName(o.Profile));
        var rows = SuiteRun.HistoryRows(current, meta, ProfileName(o.Profile), o.Cores, verdicts);
        if (o.PlantCurrentDelayCycles != 0)
        {
            stdout.WriteLine("History: not appended (the current side carried a planted slowdown)");
            return;
        }
        try
        {
            HistoryFile.Append(o.HistoryPath!, rows);
            stdout.WriteLine($"History: appended {rows.Count} medians of the current build, with their CIs and verdicts, to {o.HistoryPath}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            stderr.WriteLine($"error: --history {o.HistoryPath}: this run's medians were not appended ({e.Message}); the exit code is still the comparison's");
        }
    }

    sealed record Side(string Name, string Dll, string Commit, long Plant);

    /// <summary>
    /// Runs <paramref name="rounds"/> interleaved rounds (baseline, current, baseline, ...) into dir/side/round-N. Returns
    /// 0, or at the first round that fails the code the A/B ends with: the side's own where it is
    /// <see cref="SuiteRun.ExitIncomplete"/> or <see cref="CompareRun.ExitFailed"/>, else <see cref="CompareRun.ExitBadInput"/>.
    /// </summary>
    static int RunRounds(Side[] sides, string dir, int rounds, string? filter, AgainstRunOptions o, string repo, TextWriter stderr, CancellationToken stop)
    {
        var progress = new SweepProgress("urpc-bench A/B", sides.Length * rounds, stderr);
        for (int round = 1; round <= rounds; round++)
        {
            foreach (var side in sides)
            {
                string roundDir = Path.Combine(dir, side.Name, $"round-{round}");
                progress.Begin($"round {round}/{rounds}: {side.Name} ({side.Commit}{(side.Plant != 0 ? $", planted delay {side.Plant} cycles/send" : "")})");
                int code = RunSide(side.Dll, roundDir, side.Commit, side.Plant, filter, o, repo, stop);
                progress.End();
                if (code != 0)
                {
                    stderr.WriteLine($"error: the {side.Name} suite ({side.Commit}) failed in round {round} (exit {code}); its output: {Path.Combine(roundDir, "run.log")}");
                    stderr.WriteLine(RevisionBuild.Tail(SafeRead(Path.Combine(roundDir, "run.log")), 25));
                    return code is SuiteRun.ExitIncomplete or CompareRun.ExitFailed ? code : CompareRun.ExitBadInput;
                }
                if (Directory.GetFiles(roundDir, "*" + ResultSet.FullJsonSuffix, SearchOption.AllDirectories).Length == 0)
                {
                    stderr.WriteLine($"error: the {side.Name} build ({side.Commit}) ran but wrote no BenchmarkDotNet results in round {round} (does its `run` command exist and take --short/--cores/--out?); its output: {Path.Combine(roundDir, "run.log")}");
                    return CompareRun.ExitBadInput;
                }
            }
        }
        return CompareRun.ExitOk;
    }

    static string ProfileName(SuiteProfile p) => p == SuiteProfile.Short ? "short" : "full";

    static int RunSide(string dll, string dir, string commit, long plant, string? filter, AgainstRunOptions o, string repo, CancellationToken stop)
    {
        Directory.CreateDirectory(dir);
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "run", "--cores", o.Cores.ToString(), "--out", dir })
            psi.ArgumentList.Add(a);
        if (o.Profile == SuiteProfile.Short) psi.ArgumentList.Add("--short");
        if (!string.IsNullOrWhiteSpace(filter)) { psi.ArgumentList.Add("--filter"); psi.ArgumentList.Add(filter); }
        psi.Environment["REPRO_COMMIT"] = commit;
        psi.Environment.Remove("URPC_PLANTED_SEND_DELAY_CYCLES");
        if (plant != 0) psi.Environment["URPC_PLANTED_SEND_DELAY_CYCLES"] = plant.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment.Remove(BenchmarkCores.EnvironmentVariable);
        using var log = new StreamWriter(Path.Combine(dir, "run.log"));
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
        stop.ThrowIfCancellationRequested();
        ChildLaunch.Start(p); // a side's suite run dies with this program, however that ends
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        RevisionBuild.WaitOrKill(p, stop);
        p.WaitForExit(); // the output read to its end
        return p.ExitCode;
    }

    static string SafeRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; }
    }

    /// <summary>Writes to two writers (the console and the saved comparison).</summary>
    sealed class TeeWriter(TextWriter a, TextWriter b) : TextWriter
    {
        public override System.Text.Encoding Encoding => a.Encoding;
        public override void Write(char value) { a.Write(value); b.Write(value); }
        public override void Write(string? value) { a.Write(value); b.Write(value); }
        public override void WriteLine(string? value) { a.WriteLine(value); b.WriteLine(value); }
    }
}

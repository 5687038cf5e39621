using System.CommandLine;
using Benchmarks.Comparison;
using Benchmarks.Native;
using Benchmarks.Runs;
using Benchmarks.Suite;
using Experiments.Common;
using Multikernel.Hardware;

namespace Benchmarks;

/// <summary>
/// URPC benchmarks and regression tracking:
///   run             the BenchmarkDotNet suite (add --against REV for a same-machine A/B against a git revision)
///   compare         statistical comparison of two BenchmarkDotNet full-JSON results
///   urpc-vs-native  C# URPC round trip against the native C reference on the same two cores
///   cap-ops         local capability invocations (map/unmap, copy, retype, delete) on one pinned core
///   cpu-rounds      one CPU-driver round with a runnable dispatcher, the blocked ones visited by slice or by round count
///   mutex-contention  a contended short critical section: the threads package's Mutex against a Monitor on pinned threads
/// Exit codes: 0 ok / no regression, 1 regression (or target missed with --check), 2 bad input, 3 incomplete run,
/// 4 the program failed (an exception; its message and stack trace go to stderr).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("URPC benchmarks (BenchmarkDotNet) and the regression tracker for the multikernel reproduction");
        root.Subcommands.Add(RunCommand());
        root.Subcommands.Add(CompareCommand());
        root.Subcommands.Add(UrpcVsNativeCommand());
        root.Subcommands.Add(CapabilityOperationsCommand());
        root.Subcommands.Add(DriverRoundsCommand());
        root.Subcommands.Add(MutexContentionCommand());
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine("run with --help for the usage");
            return CompareRun.ExitBadInput;
        }
        return Guarded(() => parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }), Console.Error);
    }

    /// <summary>
    /// Runs a command; an exception that escapes it exits <see cref="CompareRun.ExitFailed"/> with the exception on
    /// <paramref name="stderr"/>. (System.CommandLine's own handler would exit 1, the regression code, so that
    /// ci-regression.sh would report a crash as a regression.)
    /// </summary>
    internal static int Guarded(Func<int> command, TextWriter stderr)
    {
        try { return command(); }
        catch (Exception e)
        {
            stderr.WriteLine($"error: the benchmark program failed (exit {CompareRun.ExitFailed}, not a verdict): {e}");
            return CompareRun.ExitFailed;
        }
    }

    /// <summary>
    /// A number option's value for its range check, or null when its text is not a number of that type: the parser
    /// reports that itself (exit 2, naming the option and the text), where reading the value would throw while the
    /// command line is parsed, outside <see cref="Guarded"/>.
    /// </summary>
    static T? Parsed<T>(System.CommandLine.Parsing.OptionResult r) where T : struct
    {
        try { return r.GetValueOrDefault<T>(); }
        catch (InvalidOperationException) { return null; }
    }

    static Option<string?> CoresOption() => new("--cores")
    {
        Description = "Two different cores 'a,b': the benchmark thread's and the peer thread's (default: the first two allowed cores)",
    };

    static Option<string> ThresholdOption() => new("--threshold")
    {
        Description = "Smallest change that counts: a percentage such as 5% or a time such as 2ns",
        DefaultValueFactory = _ => "5%",
    };

    /// <summary>--alpha, checked with the rest of the command line (as the comparer checks it), so that an A/B run with
    /// a bad level is refused before its baseline is built and its rounds run.</summary>
    static Option<double> AlphaOption()
    {
        var alpha = new Option<double>("--alpha")
        {
            Description = "Significance level of the one-sided Mann-Whitney tests",
            DefaultValueFactory = _ => 0.05,
        };
        alpha.Validators.Add(r =>
        {
            if (Parsed<double>(r) is { } a && !(a > 0 && a < 0.5))
                r.AddError($"--alpha {a.ToString(System.Globalization.CultureInfo.InvariantCulture)}: the significance level must be between 0 and 0.5 (e.g. 0.05)");
        });
        return alpha;
    }

    /// <summary>Parses --cores or, when it is not given, picks the default; on bad input (an empty value among it)
    /// writes the error and returns null.</summary>
    static BenchmarkCores? Cores(string? text)
    {
        try
        {
            return text is null ? BenchmarkCores.Resolve() : BenchmarkCores.Parse(text, CoreAffinity.AllowedCpus());
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// The error for a path option whose value starts with '-', or null. System.CommandLine hands an option whose value
    /// was left out the next token, even another option ("--out --short"), which would then name a file or folder.
    /// </summary>
    static string? LooksLikeAnOption(string option, string? value, string what) =>
        value is not null && value.StartsWith('-')
            ? $"{option}: '{value}' looks like an option, not {what} (was the {what[(what.IndexOf(' ') + 1)..]} left out?); for one of that name write ./{value}"
            : null;

    /// <summary>Checks an --out folder before anything runs: not empty, not a file, creatable and writable, and not
    /// holding results already (a run never overwrites them); on a problem writes it and returns false.</summary>
    static bool OutReady(string? outDir)
    {
        if (outDir == null) return true;
        string? problem;
        if (string.IsNullOrWhiteSpace(outDir)) problem = "--out: the folder must not be empty";
        else if (LooksLikeAnOption("--out", outDir, "a folder") is { } optionLike) problem = optionLike;
        else if (File.Exists(outDir)) problem = $"--out: '{outDir}' is a file; give a folder (it is created if missing)";
        else
        {
            string full;
            try { full = Path.GetFullPath(outDir); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { full = ""; Console.Error.WriteLine($"error: --out: '{outDir}' is not a usable path: {e.Message}"); return false; }
            string leaf = Path.GetFileName(full.TrimEnd('/'));
            problem = leaf.Length == 0 ? $"--out: '{outDir}' is the root folder; give a folder of its own"
                : ExperimentOptions.PrepareRunFolder(Path.GetDirectoryName(full.TrimEnd('/'))!, [leaf]);
        }
        if (problem != null) Console.Error.WriteLine($"error: {problem}");
        return problem == null;
    }

    /// <summary>Checks --history before the suite runs: a file (or a new one) in a writable folder.</summary>
    static bool HistoryReady(string? path)
    {
        if (path == null) return true;
        string? problem = null;
        if (string.IsNullOrWhiteSpace(path)) problem = "--history: the file name must not be empty";
        else if (LooksLikeAnOption("--history", path, "a file") is { } optionLike) problem = optionLike;
        else if (Directory.Exists(path)) problem = $"--history: '{path}' is a folder; give the CSV file to append to";
        else
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir == null || !Directory.Exists(dir)) problem = $"--history: the folder of '{path}' does not exist";
            else problem = ExistingHistoryProblem(path);
        }
        if (problem != null) Console.Error.WriteLine($"error: {problem}");
        return problem == null;
    }

    /// <summary>Why an existing history file cannot be appended to, or null: checked before the suite runs, not at the append after it.</summary>
    static string? ExistingHistoryProblem(string path)
    {
        try
        {
            History.HistoryFile.Read(path);
            return null;
        }
        catch (InvalidDataException e) { return $"--history: {e.Message}"; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"--history: {path}: cannot be read ({e.Message})"; }
    }

    static Command RunCommand()
    {
        var shortOpt = new Option<bool>("--short") { Description = "CI profile: 3 warm-up + 15 measured iterations of 25 ms per benchmark (the suite takes about 10 s)" };
        var filter = new Option<string?>("--filter") { Description = "Only benchmarks whose full name matches these globs (comma-separated), e.g. *RoundTrip*" };
        var cores = CoresOption();
        var outDir = new Option<string?>("--out") { Description = "Run folder (default Results/<host>-<UTC time>/urpc-bench, or .../urpc-ab with --against)" };
        var history = new Option<string?>("--history") { Description = $"Append this run's medians to this CSV (the tracked history is {History.HistoryFile.DefaultRelativePath})" };
        var against = new Option<string?>("--against") { Description = "Git revision to compare with: built in a temporary worktree, both builds run on this machine interleaved (A B A B ...), then compared" };
        var baselineBuild = new Option<string?>("--baseline-build")
        {
            Description = "A/B against an already built suite (its Benchmarks.dll or folder) instead of building --against; e.g. a copy of this build for unchanged-vs-unchanged trials",
        };
        var rounds = new Option<int>("--rounds") { Description = "With --against: interleaved rounds per side", DefaultValueFactory = _ => 2 };
        rounds.Validators.Add(r => { if (Parsed<int>(r) is < 1 or > 100) r.AddError("--rounds must be from 1 to 100"); });
        var threshold = ThresholdOption();
        var alpha = AlphaOption();
        var plant = new Option<long>("--plant-current-delay")
        {
            Description = "With --against: make every URPC send of the CURRENT build spin this many extra cycles (URPC_PLANTED_SEND_DELAY_CYCLES), to prove a slowdown is caught",
        };
        plant.Validators.Add(r => { if (Parsed<long>(r) < 0) r.AddError("--plant-current-delay must be >= 0 cycles"); });
        var confirm = new Option<int>("--confirm-rounds")
        {
            Description = "With --against: when a benchmark is slower, measure it again in this many fresh interleaved rounds and fail only if it is slower again (0: no confirmation)",
        };
        confirm.Validators.Add(r => { if (Parsed<int>(r) is < 0 or > 100) r.AddError("--confirm-rounds must be from 0 to 100"); });
        var cmd = new Command("run", "Run the URPC BenchmarkDotNet suite (round trip, one-way, throughput, same-core LRPC) on two pinned cores")
        {
            shortOpt, filter, cores, outDir, history, against, baselineBuild, rounds, threshold, alpha, plant, confirm,
        };
        cmd.SetAction(pr =>
        {
            // The options that need no file system first: a command line refused for one of them creates no folder.
            if (LooksLikeAnOption("--baseline-build", pr.GetValue(baselineBuild), "a build") is { } badBuild)
            {
                Console.Error.WriteLine($"error: {badBuild}");
                return CompareRun.ExitBadInput;
            }
            // An empty revision is no revision: it would turn the A/B run asked for into a plain run.
            if (pr.GetValue(against) is { } revision && string.IsNullOrWhiteSpace(revision))
            {
                Console.Error.WriteLine("error: --against: empty revision; give a git revision such as HEAD~1, main or a commit hash");
                return CompareRun.ExitBadInput;
            }
            // An empty glob list would filter nothing out: the whole suite would run where a subset was asked for.
            if (pr.GetValue(filter) is { } globs && globs.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Length == 0)
            {
                Console.Error.WriteLine($"error: --filter: '{globs}' holds no glob; give one or more, comma-separated, e.g. *RoundTrip*, or leave --filter out for every benchmark");
                return CompareRun.ExitBadInput;
            }
            if (Cores(pr.GetValue(cores)) is not { } c) return CompareRun.ExitBadInput;
            if (!OutReady(pr.GetValue(outDir)) || !HistoryReady(pr.GetValue(history))) return CompareRun.ExitBadInput;
            var profile = pr.GetValue(shortOpt) ? SuiteProfile.Short : SuiteProfile.Full;
            string? hist = pr.GetValue(history);
            string? prebuilt = pr.GetValue(baselineBuild);
            if (pr.GetValue(against) is { Length: > 0 } || prebuilt != null)
            {
                string rev = pr.GetValue(against) ?? "prebuilt";
                try { CompareRun.ParseThreshold(pr.GetValue(threshold)!); }
                catch (FormatException e) { Console.Error.WriteLine($"error: {e.Message}"); return CompareRun.ExitBadInput; }
                string dir = pr.GetValue(outDir) ?? Path.Combine(Path.GetDirectoryName(RepoPaths.DefaultRunFolder())!, "urpc-ab");
                return AgainstRun.Execute(new AgainstRunOptions(rev, pr.GetValue(rounds), profile, pr.GetValue(filter), c, dir,
                    pr.GetValue(threshold)!, pr.GetValue(alpha), pr.GetValue(plant), hist, pr.GetValue(confirm), prebuilt), Console.Out, Console.Error);
            }
            if (pr.GetValue(plant) != 0)
            {
                Console.Error.WriteLine("error: --plant-current-delay only applies with --against; for a plain run set URPC_PLANTED_SEND_DELAY_CYCLES=N in the environment");
                return CompareRun.ExitBadInput;
            }
            // A plain run has no second build to interleave with or compare against: these would be ignored.
            foreach (Option abOnly in new Option[] { rounds, threshold, alpha, confirm })
            {
                if (pr.GetResult(abOnly) is { Implicit: false })
                {
                    Console.Error.WriteLine($"error: {abOnly.Name} only applies to an A/B run (--against REV or --baseline-build PATH); a plain run measures this build once");
                    return CompareRun.ExitBadInput;
                }
            }
            return SuiteRun.Execute(new SuiteRunOptions(profile, pr.GetValue(filter), c, pr.GetValue(outDir) ?? RepoPaths.DefaultRunFolder(), hist), Console.Out, Console.Error);
        });
        return cmd;
    }

    static Command CompareCommand()
    {
        var baseline = new Option<string>("--baseline") { Description = "Baseline results: a BenchmarkDotNet *-report-full.json, or a folder searched for them", Required = true };
        var current = new Option<string>("--current") { Description = "Current results: a *-report-full.json, or a folder searched for them", Required = true };
        var threshold = ThresholdOption();
        var alpha = AlphaOption();
        var force = new Option<bool>("--allow-cross-machine") { Description = "Compare even when the results come from different machines (host/CPU differ); the verdicts then mix machine and code" };
        var cmd = new Command("compare", "Compare two BenchmarkDotNet full-JSON results per benchmark with Perfolizer's Mann-Whitney equivalence test; exit 0 same/faster, 1 regression, 2 bad input")
        {
            baseline, current, threshold, alpha, force,
        };
        cmd.SetAction(pr => CompareRun.Execute(
            new CompareOptions(pr.GetValue(baseline)!, pr.GetValue(current)!, pr.GetValue(threshold)!, pr.GetValue(alpha), pr.GetValue(force)),
            Console.Out, Console.Error));
        return cmd;
    }

    static Command UrpcVsNativeCommand()
    {
        var cores = CoresOption();
        var samples = new Option<int>("--samples") { Description = "Timed round trips per round", DefaultValueFactory = _ => 200_000 };
        samples.Validators.Add(r => { if (Parsed<int>(r) is < 1000 or > 50_000_000) r.AddError("--samples must be from 1000 to 50000000"); });
        var rounds = new Option<int>("--rounds") { Description = "Rounds per implementation, alternating native and C#", DefaultValueFactory = _ => 3 };
        rounds.Validators.Add(r => { if (Parsed<int>(r) is < 1 or > 100) r.AddError("--rounds must be from 1 to 100"); });
        var native = new Option<string?>("--native") { Description = "Path of the built native reference (default Benchmarks/native/urpc_pingpong, built with build.sh when missing or older than its source, urpc_ring.h or build.sh)" };
        var outDir = new Option<string?>("--out") { Description = "Also write results.csv and meta.json into this folder" };
        var check = new Option<bool>("--check") { Description = "Exit 1 when the C# round trip is more than 20% slower than native" };
        var mixed = new Option<bool>("--mixed")
        {
            Description = "Also run the mixed pairings on one pair of C#-allocated rings: C#/C#, C pinger with C# echo, C# pinger with C echo, C/C " +
                          "(C = the native loops as liburpc_loops.so beside the native binary, built with build.sh urpc_loops): which side costs the cycles",
        };
        var layouts = new Option<bool>("--layouts")
        {
            Description = "Also run, in every round, the native reference built with gcc -falign-loops=32 and =64 (urpc_pingpong-align32/-align64 beside " +
                          "the native binary, built with build.sh when missing): how far the C round trip moves with code placement alone",
        };
        var cmd = new Command("urpc-vs-native", "URPC round trip of the C# channel against the native C reference of the same protocol, on the same two cores")
        {
            cores, samples, rounds, native, outDir, check, mixed, layouts,
        };
        cmd.SetAction(pr =>
        {
            if (!OutReady(pr.GetValue(outDir))) return CompareRun.ExitBadInput;
            if ((LooksLikeAnOption("--native", pr.GetValue(native), "a file") ?? NativePathProblem(pr.GetValue(native))) is { } badNative)
            {
                Console.Error.WriteLine($"error: {badNative}");
                return CompareRun.ExitBadInput;
            }
            if (Cores(pr.GetValue(cores)) is not { } c) return CompareRun.ExitBadInput;
            return UrpcVsNative.Execute(new UrpcVsNativeOptions(c, pr.GetValue(samples), pr.GetValue(rounds), pr.GetValue(native), pr.GetValue(outDir), pr.GetValue(check), pr.GetValue(mixed), pr.GetValue(layouts)),
                Console.Out, Console.Error);
        });
        return cmd;
    }

    /// <summary>The error for an --native value that cannot name the reference's binary (empty, or a folder), or null.</summary>
    static string? NativePathProblem(string? path) =>
        path is null ? null
        : string.IsNullOrWhiteSpace(path) ? "--native: the path must not be empty; give the path of a built urpc_pingpong, or leave --native out for the repository's"
        : Directory.Exists(path) ? $"--native: '{path}' is a folder; give the path of the urpc_pingpong binary itself"
        : null;

    static Command DriverRoundsCommand()
    {
        var cores = new Option<string>("--cores") { Description = "Cores to boot, a list such as 0-3 or 'all' (default: all allowed); the rounds are timed on the first", DefaultValueFactory = _ => "all" };
        var batches = BatchesOption(21);
        var rounds = new Option<long>("--rounds") { Description = "Rounds per batch (1000 to 10^9)", DefaultValueFactory = _ => 2_000_000 };
        rounds.Validators.Add(r => { if (Parsed<long>(r) is < 1000 or > 1_000_000_000) r.AddError("--rounds must be from 1000 to 1000000000"); });
        var cmd = new Command("cpu-rounds", "Median cycles of one CPU-driver round with one runnable dispatcher while the core's monitor and memory server are blocked, visited once per time slice (default) or every 16th round")
        {
            cores, batches, rounds,
        };
        cmd.SetAction(pr =>
        {
            if (CoreListOrError(pr.GetValue(cores)!) is not { } cpus) return CompareRun.ExitBadInput;
            return Benchmarks.CpuDriver.DriverRounds.Execute(cpus, pr.GetValue(batches), pr.GetValue(rounds), Console.Out);
        });
        return cmd;
    }

    /// <summary>A core list such as 0-3 or 'all' among the allowed cores, or null after printing why it is not one.</summary>
    static int[]? CoreListOrError(string text)
    {
        try { return CoreList.Parse(text, CoreAffinity.AllowedCpus()); }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return null;
        }
    }

    static Option<int> BatchesOption(int byDefault)
    {
        var batches = new Option<int>("--batches") { Description = "Timed batches per setting (1 to 1000)", DefaultValueFactory = _ => byDefault };
        batches.Validators.Add(r => { if (Parsed<int>(r) is < 1 or > 1000) r.AddError("--batches must be from 1 to 1000"); });
        return batches;
    }

    static Command MutexContentionCommand()
    {
        var cores = new Option<string>("--cores") { Description = "Cores, a list such as 0-3 or 'all' (default: all allowed; at least 2)", DefaultValueFactory = _ => "all" };
        var threads = new Option<string>("--threads") { Description = "Threads per core to measure, a comma list of 1 to 64 each (default 1,2,4)", DefaultValueFactory = _ => "1,2,4" };
        var batches = BatchesOption(5);
        var iterations = new Option<int>("--iterations") { Description = "Acquisitions per thread per batch (100 to 10^7)", DefaultValueFactory = _ => 20_000 };
        iterations.Validators.Add(r => { if (Parsed<int>(r) is < 100 or > 10_000_000) r.AddError("--iterations must be from 100 to 10000000"); });
        var cmd = new Command("mutex-contention", "Wall time per acquisition of one lock taken in a loop by T threads on every core: the threads package's Mutex (user threads, one dispatcher per core) against a Monitor on pinned host threads")
        {
            cores, threads, batches, iterations,
        };
        cmd.SetAction(pr =>
        {
            if (CoreListOrError(pr.GetValue(cores)!) is not { } cpus) return CompareRun.ExitBadInput;
            if (cpus.Length < 2)
            {
                Console.Error.WriteLine($"error: --cores: '{pr.GetValue(cores)}' names {cpus.Length} core; a contended mutex needs at least 2 (e.g. 0-1)");
                return CompareRun.ExitBadInput;
            }
            var perCore = new List<int>();
            foreach (string part in pr.GetValue(threads)!.Split(','))
            {
                if (!int.TryParse(part.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int t) || t is < 1 or > 64)
                {
                    Console.Error.WriteLine($"error: --threads: '{part}' is not a number from 1 to 64 (a comma list such as 1,2,4)");
                    return CompareRun.ExitBadInput;
                }
                perCore.Add(t);
            }
            return Benchmarks.Threads.MutexContention.Execute(cpus, perCore.ToArray(), pr.GetValue(batches), pr.GetValue(iterations), Console.Out);
        });
        return cmd;
    }

    static Command CapabilityOperationsCommand()
    {
        var core = new Option<int?>("--core") { Description = "CPU to pin the measuring thread to (default: the first allowed CPU)" };
        var rounds = new Option<int>("--rounds") { Description = "Measured rounds of 256 operations each", DefaultValueFactory = _ => 101 };
        rounds.Validators.Add(r => { if (Parsed<int>(r) is < 1 or > 100_000) r.AddError("--rounds must be from 1 to 100000"); });
        var cmd = new Command("cap-ops", "Median time and allocated bytes of local capability invocations (map/unmap of a frame, copy, retype, delete) on one pinned core")
        {
            core, rounds,
        };
        cmd.SetAction(pr =>
        {
            var allowed = CoreAffinity.AllowedCpus();
            int cpu = pr.GetValue(core) ?? allowed[0];
            if (!allowed.Contains(cpu))
            {
                Console.Error.WriteLine($"error: --core {cpu} is not a CPU this process may use ({CoreAffinity.FormatList(allowed)})");
                return CompareRun.ExitBadInput;
            }
            return Benchmarks.Capabilities.CapabilityOperations.Execute(cpu, pr.GetValue(rounds), Console.Out);
        });
        return cmd;
    }
}

namespace Benchmarks.Tests;

/// <summary>The benchmark program's output options: odd or unwritable paths are refused with one line naming the
/// option and exit code 2, before anything runs, and a folder that holds results is never written over.</summary>
public class BenchmarksCliTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "bench-cli-tests", Guid.NewGuid().ToString("N"));

    public BenchmarksCliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    (int Code, string Err) Main(params string[] args)
    {
        var err = new StringWriter();
        var saved = Console.Error;
        Console.SetError(err);
        try { return (Program.Main(args), err.ToString()); }
        finally { Console.SetError(saved); }
    }

    [Fact]
    public void A_command_that_throws_exits_with_the_failure_code_not_the_regression_code()
    {
        var err = new StringWriter();
        int code = Program.Guarded(() => throw new IOException("comparison.md: No space left on device"), err);
        Assert.Equal(Benchmarks.Comparison.CompareRun.ExitFailed, code);
        Assert.NotEqual(Benchmarks.Comparison.CompareRun.ExitRegression, code);
        Assert.Contains("No space left on device", err.ToString());
        Assert.Contains("not a verdict", err.ToString());
        Assert.Equal(Benchmarks.Comparison.CompareRun.ExitRegression, Program.Guarded(() => 1, err));
    }

    public static TheoryData<string, string, string> BadOut => new()
    {
        { "run", "FILE", "is a file" },
        { "urpc-vs-native", "FILE", "is a file" },
        { "run", "", "must not be empty" },
        { "run", "/proc/no-such-folder/out", "cannot create or write" },
        { "urpc-vs-native", "FILE/sub", "cannot create or write" },
        { "run", "/", "root folder" },
        { "run", "HAS-RESULTS", "already holds results" },
        { "urpc-vs-native", "HAS-RESULTS", "already holds results" },
    };

    [Theory]
    [MemberData(nameof(BadOut))]
    public void Bad_out_folder_is_refused_before_anything_runs(string command, string outDir, string why)
    {
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "x");
        string done = Path.Combine(_dir, "done");
        Directory.CreateDirectory(done);
        File.WriteAllText(Path.Combine(done, "results.csv"), "kept");
        string path = outDir.Replace("HAS-RESULTS", done).Replace("FILE", file);
        var (code, err) = Main(command, "--out", path);
        Assert.Equal(2, code);
        Assert.Contains("--out", err);
        Assert.Contains(why, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Equal("kept", File.ReadAllText(Path.Combine(done, "results.csv")));
    }

    [Fact]
    public void History_that_is_a_folder_is_refused()
    {
        var (code, err) = Main("run", "--history", _dir);
        Assert.Equal(2, code);
        Assert.Contains("--history", err);
    }

    [Fact]
    public void History_that_cannot_be_read_as_a_history_is_refused_before_anything_runs()
    {
        // Found only at the append, after the suite has run, it was an unhandled exception: exit 1, which
        // ci-regression.sh reports as "REGRESSION".
        string history = Path.Combine(_dir, "urpc-history.csv");
        const string Damaged = "Commit,Date,Host,Cpu,Benchmark,MedianNs,MedianCycles,Samples,Profile,Cores\nabc,2026-01-01T00:00:00Z,h,c,b,not-a-number,1,2,short,0\n";
        File.WriteAllText(history, Damaged);
        string outDir = Path.Combine(_dir, "out");
        var (code, err) = Main("run", "--short", "--filter", "*NoSuchBenchmark*", "--history", history, "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("--history", err);
        Assert.Contains(history, err);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "the suite ran");
        Assert.Equal(Damaged, File.ReadAllText(history));
    }

    /// <summary>Options that only shape an A/B run are refused on a plain run instead of being ignored: a user who
    /// asks for 5 rounds or a 2% threshold must not get a single run judged by nothing.</summary>
    [Theory]
    [InlineData("--rounds", "5")]
    [InlineData("--threshold", "2%")]
    [InlineData("--alpha", "0.01")]
    [InlineData("--confirm-rounds", "3")]
    public void A_b_only_option_on_a_plain_run_is_refused(string option, string value)
    {
        // The filter matches nothing, so a regression of this check costs a BenchmarkDotNet start, not a suite run.
        var (code, err) = Main("run", "--filter", "NoSuchBenchmark*", "--out", Path.Combine(_dir, "out"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(option, err);
        Assert.Contains("--against", err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    /// <summary>A path option whose value was left out: System.CommandLine hands it the next token, even another option.</summary>
    public static TheoryData<string[], string> OptionTakenAsPath => new()
    {
        { ["run", "--filter", "NoSuchBenchmark*", "--out", "--short"], "--out" },
        { ["run", "--filter", "NoSuchBenchmark*", "--out", "OUT", "--history", "--short"], "--history" },
        { ["urpc-vs-native", "--native", "NO-NATIVE", "--out", "--check"], "--out" },
        { ["urpc-vs-native", "--native", "--check", "--out", "OUT"], "--native" },
    };

    [Theory]
    [MemberData(nameof(OptionTakenAsPath))]
    public void A_path_option_followed_by_another_option_is_refused_not_taken_as_the_path(string[] args, string option)
    {
        // "run --out --short" ran the full suite (not the short one) into a new folder "--short" in the current folder;
        // "run --history --short" would append to a file of that name, "urpc-vs-native --out --check" wrote into "--check".
        string outDir = Path.Combine(_dir, "out");
        string[] argv = args.Select(a => a.Replace("NO-NATIVE", Path.Combine(_dir, "no-native")).Replace("OUT", outDir)).ToArray();
        string[] optionLike = argv.Where(a => a.StartsWith("--") && !Path.Exists(a)).ToArray();
        try
        {
            var (code, err) = Main(argv);
            Assert.Equal(2, code);
            Assert.Contains($"{option}: '--", err);
            Assert.Contains("looks like an option", err);
            Assert.Single(err.Trim().Split('\n'));
            Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "the suite ran");
        }
        finally
        {
            foreach (string a in optionLike)
                if (Directory.Exists(a)) Directory.Delete(a, recursive: true);
                else if (File.Exists(a)) File.Delete(a);
        }
    }

    /// <summary>
    /// An --native that cannot name the reference's binary is bad input naming the option, before anything runs: an
    /// empty one crashed with an ArgumentException from Path.GetFullPath (exit 4, "the program failed"), and a folder
    /// was said not to exist.
    /// </summary>
    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("DIR", "is a folder")]
    public void An_empty_or_folder_native_path_is_bad_input(string native, string why)
    {
        var (code, err) = Main("urpc-vs-native", "--native", native.Replace("DIR", _dir), "--samples", "1000", "--rounds", "1");
        Assert.Equal(2, code);
        Assert.Contains("--native", err);
        Assert.Contains(why, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    /// <summary>An empty --cores is bad input naming the option: it was taken as "not given" and the suite ran on the
    /// default cores.</summary>
    [Fact]
    public void An_empty_cores_list_is_bad_input_not_the_default()
    {
        string outDir = Path.Combine(_dir, "out");
        var (code, err) = Main("run", "--cores", "", "--filter", "*NoSuchBenchmark*", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("--cores", err);
        Assert.Contains("empty", err);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "the suite ran");
    }

    /// <summary>A command line refused for an option that needs no file system (cores, filter, revision) creates no run
    /// folder: --out was prepared first, so the refused run left its folder behind, empty.</summary>
    [Theory]
    [InlineData("--cores", "")]
    [InlineData("--filter", " , ")]
    [InlineData("--against", "")]
    public void A_refused_command_line_creates_no_run_folder(string option, string value)
    {
        string parent = Path.Combine(_dir, "fresh"), outDir = Path.Combine(parent, "run");
        var (code, err) = Main("run", option, value, "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains(option, err);
        Assert.False(Directory.Exists(parent), $"{parent} was created for a refused command line");
    }

    /// <summary>An empty --against is bad input naming the option: it was taken as no --against, and the A/B run asked
    /// for became a plain run. (The one core given would be refused next, so the old order ends there, without a run.)</summary>
    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void An_empty_against_revision_is_bad_input_not_a_plain_run(string revision)
    {
        var (code, err) = Main("run", "--short", "--against", revision, "--cores", $"{Multikernel.Hardware.CoreAffinity.AllowedCpus()[0]}");
        Assert.Equal(2, code);
        Assert.Contains("--against: empty revision", err);
    }

    /// <summary>An --filter with no glob in it is bad input naming the option: it was taken as no filter at all and the
    /// whole suite ran. (The one core given would be refused next, so the old order ends there, without a run.)</summary>
    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    public void A_filter_without_a_glob_is_bad_input_not_every_benchmark(string globs)
    {
        var (code, err) = Main("run", "--filter", globs, "--cores", $"{Multikernel.Hardware.CoreAffinity.AllowedCpus()[0]}");
        Assert.Equal(2, code);
        Assert.Contains("--filter", err);
        Assert.Contains("no glob", err);
    }

    /// <summary>
    /// A number option given something that is not a number is bad input (exit 2, naming the option), like any other
    /// parse error: the range checks read the option's value, which threw while the command line was parsed, so the
    /// program died with an unhandled exception (exit 134 from the shell), which ci-regression.sh can only call
    /// "could not compare (exit 134)".
    /// </summary>
    [Theory]
    [InlineData("run", "--rounds")]
    [InlineData("run", "--confirm-rounds")]
    [InlineData("run", "--plant-current-delay")]
    [InlineData("urpc-vs-native", "--samples")]
    [InlineData("urpc-vs-native", "--rounds")]
    [InlineData("cpu-rounds", "--rounds")]
    [InlineData("cpu-rounds", "--batches")]
    [InlineData("mutex-contention", "--iterations")]
    [InlineData("cap-ops", "--rounds")]
    public void A_number_option_given_a_word_is_bad_input_not_a_crash(string command, string option)
    {
        string[] outOption = command is "run" or "urpc-vs-native" ? ["--out", Path.Combine(_dir, "out")] : [];
        var (code, err) = Main([command, option, "abc", .. outOption]);
        Assert.Equal(2, code);
        Assert.Contains(option, err);
        Assert.Contains("abc", err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    /// <summary>
    /// An A/B run's significance level is checked with the rest of its command line, before the baseline is built or
    /// any round runs: it was checked only by the comparison at the end, so `run --against REV --alpha 2` built the
    /// baseline and measured every round (minutes on a CI machine) and only then said that 2 is no significance level.
    /// Here the baseline is this suite, prebuilt, with a filter no benchmark matches, so the old order costs one start.
    /// </summary>
    [Theory]
    [InlineData("2")]
    [InlineData("0")]
    [InlineData("NaN")]
    public void An_a_b_runs_bad_alpha_is_refused_before_any_round_runs(string alpha)
    {
        string outDir = Path.Combine(_dir, "ab");
        var (code, err) = Main("run", "--short", "--baseline-build", Path.Combine(AppContext.BaseDirectory, "Benchmarks.dll"),
            "--filter", "*NoSuchBenchmark*", "--rounds", "1", "--alpha", alpha, "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("--alpha", err);
        Assert.Contains("between 0 and 0.5", err);
        Assert.False(Directory.Exists(outDir), "a round ran before the bad --alpha was refused");
    }
}

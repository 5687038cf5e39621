using Benchmarks.Comparison;
using TestSupport;

namespace Benchmarks.Tests;

public class CompareRunTests : IDisposable
{
    const string RoundTrip = "Benchmarks.Suite.UrpcBenchmarks.RoundTrip";
    const string Throughput = "Benchmarks.Suite.UrpcBenchmarks.Throughput";
    readonly SyntheticResults _files = new();

    public void Dispose() => _files.Dispose();

    (int Code, string Out, string Err) Run(string baseline, string current, string threshold = "5%", bool allowCrossMachine = false)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CompareRun.Execute(new CompareOptions(baseline, current, threshold, 0.05, allowCrossMachine), o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Runs a comparison that must be refused as bad input (exit code 2); returns what it wrote to stderr.</summary>
    string Refused(string baseline, string current, string threshold = "5%")
    {
        var (code, _, err) = Run(baseline, current, threshold);
        Assert.Equal(2, code);
        return err;
    }

    Dictionary<string, double[]> Suite(double rtt, double tput, int seed) => new()
    {
        [RoundTrip] = SyntheticResults.Normal(rtt, rtt * 0.01, 20, seed),
        [Throughput] = SyntheticResults.Normal(tput, tput * 0.01, 20, seed + 1),
    };

    [Fact]
    public void Unchanged_results_exit_0_with_a_table_row_per_benchmark()
    {
        var (code, output, _) = Run(_files.Write("a", Suite(100, 10, 1)), _files.Write("b", Suite(100, 10, 3)));
        Assert.Equal(0, code);
        foreach (var fragment in new[] { "| UrpcBenchmarks.RoundTrip", "| UrpcBenchmarks.Throughput", "same", "p(slower)=", "n=20/20", "0 slower" })
            Assert.Contains(fragment, output);
    }

    [Fact]
    public void A_regression_in_one_benchmark_exits_1_and_names_it_slower()
    {
        var slow = Suite(100, 10, 5);
        slow[RoundTrip] = SyntheticResults.Normal(150, 1.5, 20, 7);
        var (code, output, _) = Run(_files.Write("a", Suite(100, 10, 1)), _files.Write("b", slow));
        Assert.Equal(1, code);
        var row = output.Split('\n').Single(l => l.StartsWith("| UrpcBenchmarks.RoundTrip"));
        Assert.Contains("slower", row);
        Assert.Contains("1.5", row); // ratio ~1.50
        Assert.Contains("REGRESSION", output);
    }

    [Fact]
    public void A_speedup_exits_0()
    {
        var fast = Suite(60, 10, 5);
        var (code, output, _) = Run(_files.Write("a", Suite(100, 10, 1)), _files.Write("b", fast));
        Assert.Equal(0, code);
        Assert.Contains("faster", output.Split('\n').Single(l => l.StartsWith("| UrpcBenchmarks.RoundTrip")));
    }

    [Fact]
    public void Folders_pool_all_reports_below_them()
    {
        // Two rounds per side, as run --against writes them.
        _files.Write(Path.Combine("base", "round-1"), Suite(100, 10, 1));
        _files.Write(Path.Combine("base", "round-2"), Suite(100, 10, 11));
        _files.Write(Path.Combine("cur", "round-1"), Suite(100, 10, 21));
        _files.Write(Path.Combine("cur", "round-2"), Suite(100, 10, 31));
        var (code, output, _) = Run(Path.Combine(_files.Dir, "base"), Path.Combine(_files.Dir, "cur"));
        Assert.Equal(0, code);
        Assert.Contains("n=40/40", output);
        Assert.Contains("2 report(s)", output);
    }

    [Fact]
    public void Too_few_samples_is_unknown_and_not_a_failure()
    {
        var few = new Dictionary<string, double[]> { [RoundTrip] = [100, 300] };
        var (code, output, err) = Run(_files.Write("a", few), _files.Write("b", new Dictionary<string, double[]> { [RoundTrip] = [400, 500] }));
        Assert.Equal(0, code);
        Assert.Contains("unknown", output);
        Assert.Contains("too few", err);
    }

    /// <summary>An empty path is refused naming its option: it was looked up as a file, and the error (": no such file
    /// or folder") named neither the option nor a path.</summary>
    [Theory]
    [InlineData("--baseline")]
    [InlineData("--current")]
    public void Empty_path_exits_2_naming_its_option(string option)
    {
        string results = _files.Write("a", Suite(100, 10, 1));
        string err = option == "--baseline" ? Refused(" ", results) : Refused(results, "");
        Assert.Contains($"{option}: empty path", err);
    }

    [Fact]
    public void Missing_file_exits_2_naming_it()
    {
        string missing = Path.Combine(_files.Dir, "nope.json");
        string err = Refused(missing, _files.Write("b", Suite(100, 10, 1)));
        Assert.Contains(missing, err);
        Assert.Contains("no such file", err);
    }

    [Fact]
    public void Malformed_json_exits_2_naming_the_file()
    {
        string bad = _files.WriteRaw("bad-report-full.json", "{ \"Benchmarks\": [ { \"FullName\": ");
        string err = Refused(_files.Write("a", Suite(100, 10, 1)), bad);
        Assert.Contains(bad, err);
        Assert.Contains("malformed JSON", err);
    }

    [Fact]
    public void Json_that_is_not_a_benchmark_report_exits_2()
    {
        string other = _files.WriteRaw("other.json", "{ \"hello\": 1 }");
        string err = Refused(other, _files.Write("b", Suite(100, 10, 1)));
        Assert.Contains("not a BenchmarkDotNet full-JSON report", err);
    }

    [Fact]
    public void Brief_json_without_measurements_exits_2()
    {
        string brief = _files.WriteRaw("brief.json",
            "{ \"HostEnvironmentInfo\": { \"ProcessorName\": \"AMD EPYC\" }, \"Benchmarks\": [ { \"FullName\": \"A.B.C\", \"Statistics\": {} } ] }");
        string err = Refused(brief, _files.Write("b", Suite(100, 10, 1)));
        Assert.Contains("no 'Measurements'", err);
    }

    [Fact]
    public void Folder_without_reports_exits_2()
    {
        string empty = Path.Combine(_files.Dir, "empty");
        Directory.CreateDirectory(empty);
        string err = Refused(empty, _files.Write("b", Suite(100, 10, 1)));
        Assert.Contains("no BenchmarkDotNet full-JSON report", err);
    }

    [Fact]
    public void No_common_benchmarks_exits_2_listing_both_sides()
    {
        var a = new Dictionary<string, double[]> { ["A.B.RoundTrip"] = SyntheticResults.Normal(100, 1, 20, 1) };
        var b = new Dictionary<string, double[]> { ["A.B.Other"] = SyntheticResults.Normal(100, 1, 20, 2) };
        string err = Refused(_files.Write("a", a), _files.Write("b", b));
        Assert.Contains("no common benchmarks", err);
        Assert.Contains("A.B.RoundTrip", err);
        Assert.Contains("A.B.Other", err);
    }

    [Fact]
    public void Benchmarks_on_one_side_only_are_reported_but_do_not_fail()
    {
        var a = Suite(100, 10, 1);
        var b = new Dictionary<string, double[]> { [RoundTrip] = SyntheticResults.Normal(100, 1, 20, 2) };
        var (code, _, err) = Run(_files.Write("a", a), _files.Write("b", b));
        Assert.Equal(0, code);
        Assert.Contains($"{Throughput} is only in the baseline", err);
    }

    [Fact]
    public void Different_cpu_is_refused_with_exit_2()
    {
        string err = Refused(_files.Write("a", Suite(100, 10, 1)), _files.Write("b", Suite(100, 10, 3), processor: "Intel Xeon Gold 6248"));
        Assert.Contains("different machines", err);
        Assert.Contains("Intel Xeon Gold 6248", err);
        Assert.Contains("--allow-cross-machine", err);
    }

    [Fact]
    public void Different_host_from_meta_json_is_refused()
    {
        string err = Refused(_files.Write("a", Suite(100, 10, 1), host: "ci-runner-1"), _files.Write("b", Suite(100, 10, 3), host: "laptop"));
        Assert.Contains("host 'ci-runner-1' vs 'laptop'", err);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("unreadable")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_meta_json_beside_the_results_that_cannot_be_used_is_bad_input_naming_it(string spoil)
    {
        string current = _files.Write("b", Suite(100, 10, 3), host: "ci-runner-1");
        string meta = Path.Combine(_files.Dir, "b", "meta.json");
        if (spoil == "null") File.WriteAllText(meta, "null");
        else if (UnreadableFile.Make(meta) is { } why) Assert.Skip(why);
        string err = Refused(_files.Write("a", Suite(100, 10, 1), host: "ci-runner-1"), current);
        Assert.Contains(meta, err);
    }

    [Fact]
    public void Cross_machine_comparison_runs_when_forced_and_warns()
    {
        var (code, output, err) = Run(_files.Write("a", Suite(100, 10, 1)), _files.Write("b", Suite(100, 10, 3), logicalCores: 64), allowCrossMachine: true);
        Assert.Equal(0, code);
        Assert.Contains("warning: comparing results from different machines", err);
        Assert.Contains("| UrpcBenchmarks.RoundTrip", output);
    }

    /// <summary>Writes one suite run folder (a report and its meta.json) with the given commit; returns the folder.</summary>
    string RunOfCommit(string folder, string commit, int seed)
    {
        _files.Write(folder, Suite(100, 10, seed), host: "vm");
        string dir = Path.Combine(_files.Dir, folder);
        File.WriteAllText(Path.Combine(dir, "meta.json"),
            $$"""{"experiment":"urpc-bench","host":"vm","cpuModel":"AMD EPYC","tscGHz":2.6,"profile":"short","commit":"{{commit}}"}""");
        return dir;
    }

    [Fact]
    public void A_folder_holding_the_reports_of_two_runs_is_refused_naming_both()
    {
        // An A/B run's folder holds both sides: pooled, it would compare a mix of the baseline and the current build.
        RunOfCommit(Path.Combine("ab", "baseline", "round-1"), "1111111", 1);
        RunOfCommit(Path.Combine("ab", "current", "round-1"), "2222222", 2);
        string err = Refused(Path.Combine(_files.Dir, "ab"), RunOfCommit("b", "2222222", 3));
        Assert.Contains("1111111", err);
        Assert.Contains("2222222", err);
        Assert.Contains("different runs", err);
    }

    [Fact]
    public async Task A_folder_with_a_symbolic_link_loop_below_it_ends_with_an_answer()
    {
        string side = Path.Combine(_files.Dir, "loop");
        _files.Write(Path.Combine("loop", "round-1"), Suite(100, 10, 1));
        Directory.CreateSymbolicLink(Path.Combine(side, "round-1", "back"), side);
        var run = Task.Run(() => Run(side, _files.Write("b", Suite(100, 10, 3))), TestContext.Current.CancellationToken);
        var (code, output, err) = await run.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.True(code == 0 || code == 2, $"exit {code}: {err}");
        if (code == 0) Assert.Contains("1 report(s)", output);
    }

    [Fact]
    public void Reports_deeper_than_the_known_layout_are_not_searched()
    {
        // The deepest known layout is an A/B run folder: side/round-N/bdn/results/report (4 folders below it).
        _files.Write(Path.Combine("deep", "a", "b", "c"), Suite(100, 10, 1));
        string err = Refused(Path.Combine(_files.Dir, "deep"), _files.Write("b", Suite(100, 10, 3)));
        Assert.Contains("no BenchmarkDotNet full-JSON report", err);
        Assert.Contains("4 folders", err);
    }

    [Fact]
    public void Mixed_machines_within_one_side_are_refused()
    {
        _files.Write(Path.Combine("mixed", "r1"), Suite(100, 10, 1));
        _files.Write(Path.Combine("mixed", "r2"), Suite(100, 10, 2), processor: "Other CPU");
        string err = Refused(Path.Combine(_files.Dir, "mixed"), _files.Write("b", Suite(100, 10, 3)));
        Assert.Contains("different machines", err);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("-5%")]
    [InlineData("0%")]
    [InlineData("150%")]
    [InlineData("1e400%")]
    [InlineData("Infinity%")]
    [InlineData("NaN%")]
    [InlineData("0ns")]
    [InlineData("-2ns")]
    [InlineData("2s")]
    [InlineData("5")]
    public void Bad_threshold_exits_2(string threshold)
    {
        string err = Refused(_files.Write("a", Suite(100, 10, 1)), _files.Write("b", Suite(100, 10, 3)), threshold);
        Assert.Contains("--threshold", err);
    }

    [Fact]
    public void A_larger_threshold_tolerates_a_moderate_slowdown()
    {
        var slow = Suite(100, 10, 5);
        slow[RoundTrip] = SyntheticResults.Normal(110, 1.1, 20, 7);
        string a = _files.Write("a", Suite(100, 10, 1)), b = _files.Write("b", slow);
        Assert.Equal(1, Run(a, b, "5%").Code);
        Assert.Equal(0, Run(a, b, "20%").Code);
    }

    [Fact]
    public void Command_line_without_required_options_exits_2() =>
        Assert.Equal(2, Program.Main(["compare", "--baseline", "x.json"]));

    [Fact]
    public void Command_line_compare_returns_the_comparer_exit_code()
    {
        var slow = Suite(100, 10, 5);
        slow[RoundTrip] = SyntheticResults.Normal(200, 2, 20, 7);
        Assert.Equal(1, Program.Main(["compare", "--baseline", _files.Write("a", Suite(100, 10, 1)), "--current", _files.Write("b", slow), "--threshold", "10%"]));
    }

    [Theory]
    [InlineData("5%")]
    [InlineData("0.5%")]
    [InlineData("100%")]
    [InlineData("2ns")]
    [InlineData("1.5us")]
    [InlineData("1ms")]
    [InlineData("1s")]
    public void Thresholds_in_range_are_accepted(string threshold) => Assert.NotNull(CompareRun.ParseThreshold(threshold));
}

using Benchmarks.History;
using Benchmarks.Native;
using Benchmarks.Suite;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

public class HistoryAndNativeTests : IDisposable
{
    readonly SyntheticResults _files = new();

    public void Dispose() => _files.Dispose();

    static HistoryRecord Record(string commit, string bench, double ns) => new()
    {
        Commit = commit, Date = "2026-01-01T00:00:00Z", Host = "h", Cpu = "AMD EPYC", Benchmark = bench,
        MedianNs = ns, MedianCycles = ns * 2.6, Samples = 30, Profile = "short", Cores = "0,1",
    };

    [Fact]
    public void History_appends_keep_earlier_rows()
    {
        string path = Path.Combine(_files.Dir, "Results", "urpc-history.csv");
        HistoryFile.Append(path, [Record("aaa", "UrpcBenchmarks.RoundTrip", 90.5)]);
        HistoryFile.Append(path, [Record("bbb", "UrpcBenchmarks.RoundTrip", 91.25), Record("bbb", "UrpcBenchmarks.Throughput", 9)]);
        var rows = HistoryFile.Read(path);
        Assert.Equal(["aaa", "bbb", "bbb"], rows.Select(r => r.Commit));
        Assert.Equal(91.25, rows[1].MedianNs);
        Assert.Equal("0,1", rows[2].Cores);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, ".*tmp"));
    }

    /// <summary>An append reads the history, adds its rows and renames a new file over it: two appends at once would
    /// each keep only their own rows (the last rename wins). Appends take the history's lock file first; one that
    /// cannot get it within its wait appends nothing and says why, and gets through once the lock is free.</summary>
    [Fact]
    public void An_append_waits_for_another_append_of_the_same_history_and_does_not_overwrite_it()
    {
        string path = Path.Combine(_files.Dir, "Results", "urpc-history.csv");
        HistoryFile.Append(path, [Record("aaa", "UrpcBenchmarks.RoundTrip", 90.5)]);
        string before = File.ReadAllText(path);
        using (new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var e = Assert.Throws<IOException>(() => HistoryFile.Append(path, [Record("bbb", "UrpcBenchmarks.RoundTrip", 91)], TimeSpan.FromMilliseconds(200)));
            Assert.Contains(path, e.Message);
            Assert.Contains("not appended", e.Message);
            Assert.Equal(before, File.ReadAllText(path));
        }
        HistoryFile.Append(path, [Record("bbb", "UrpcBenchmarks.RoundTrip", 91)], TimeSpan.FromMilliseconds(200));
        Assert.Equal(["aaa", "bbb"], HistoryFile.Read(path).Select(r => r.Commit));
    }

    [Fact]
    public void An_append_to_a_history_whose_last_line_has_no_newline_keeps_that_line_whole()
    {
        string path = Path.Combine(_files.Dir, "Results", "urpc-history.csv");
        HistoryFile.Append(path, [Record("aaa", "UrpcBenchmarks.RoundTrip", 90.5)]);
        File.WriteAllText(path, File.ReadAllText(path).TrimEnd('\r', '\n'));
        HistoryFile.Append(path, [Record("bbb", "UrpcBenchmarks.RoundTrip", 91)]);
        var rows = HistoryFile.Read(path);
        Assert.Equal(["aaa", "bbb"], rows.Select(r => r.Commit));
        Assert.Equal([90.5, 91.0], rows.Select(r => r.MedianNs));
    }

    [Fact]
    public void History_refuses_to_overwrite_an_unreadable_file()
    {
        string path = _files.WriteRaw("history.csv", "Commit,Date,Host,Cpu,Benchmark,MedianNs,MedianCycles,Samples,Profile,Cores\nx,y,h,c,b,not-a-number,1,2,short,0\n");
        string before = File.ReadAllText(path);
        var e = Assert.Throws<InvalidDataException>(() => HistoryFile.Append(path, [Record("c", "b", 1)]));
        Assert.Contains(path, e.Message);
        Assert.Equal(before, File.ReadAllText(path));
    }

    /// <summary>The tracker holds a history to the report's rules (Experiments.Schema.HistoryMedian, HistoryDate,
    /// Report/History/UrpcHistory): a median is a positive, finite time (MedianCycles may be unknown, NaN), Date an
    /// ISO 8601 time, Benchmark not empty, Samples a count. A line that breaks one is refused naming the file and line,
    /// by the reader and by an append (which leaves the file as it was), so the run's pre-check stops before the suite
    /// instead of the report refusing the file afterwards.</summary>
    [Theory]
    [InlineData("2026-01-02T00:00:00Z", "b", "NaN", "200", "2"), InlineData("2026-01-02T00:00:00Z", "b", "0", "200", "2")]
    [InlineData("2026-01-02T00:00:00Z", "b", "-76.9", "200", "2"), InlineData("2026-01-02T00:00:00Z", "b", "Infinity", "200", "2")]
    [InlineData("2026-01-02T00:00:00Z", "b", "76.9", "-200", "2"), InlineData("2026-01-02T00:00:00Z", "b", "76.9", "0", "2")]
    [InlineData("2026-01-02T00:00:00Z", "b", "76.9", "Infinity", "2"), InlineData("yesterday", "b", "76.9", "200", "2")]
    [InlineData("", "b", "76.9", "200", "2"), InlineData("2026-01-02T00:00:00Z", "", "76.9", "200", "2")]
    [InlineData("2026-01-02T00:00:00Z", "  ", "76.9", "200", "2"), InlineData("2026-01-02T00:00:00Z", "b", "76.9", "200", "-3")]
    public void History_with_a_line_the_report_refuses_is_refused_naming_file_and_line(string date, string bench, string ns, string cycles, string samples)
    {
        string path = _files.WriteRaw("history.csv", "Commit,Date,Host,Cpu,Benchmark,MedianNs,MedianCycles,Samples,Profile,Cores\n"
            + "a,2026-01-01T00:00:00Z,h,c,b,76.9,200,2,short,0\n"
            + $"b,{date},h,c,{bench},{ns},{cycles},{samples},short,0\n");
        string before = File.ReadAllText(path);
        var e = Assert.Throws<InvalidDataException>(() => HistoryFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Throws<InvalidDataException>(() => HistoryFile.Append(path, [Record("c", "b", 1)]));
        Assert.Equal(before, File.ReadAllText(path));
    }

    [Theory]
    [InlineData(double.NaN, 200)]
    [InlineData(0, 200)]
    [InlineData(-1, 200)]
    [InlineData(double.PositiveInfinity, 200)]
    [InlineData(76.9, -200)]
    [InlineData(76.9, double.NegativeInfinity)]
    public void History_writer_never_writes_a_median_the_report_refuses(double ns, double cycles)
    {
        string path = Path.Combine(_files.Dir, "urpc-history.csv");
        HistoryFile.Append(path, [Record("aaa", "UrpcBenchmarks.RoundTrip", 90.5)]);
        string before = File.ReadAllText(path);
        var bad = Record("bbb", "UrpcBenchmarks.OneWay", 1);
        bad.MedianNs = ns;
        bad.MedianCycles = cycles;
        var e = Assert.Throws<InvalidDataException>(() => HistoryFile.Append(path, [Record("bbb", "UrpcBenchmarks.RoundTrip", 91), bad]));
        Assert.Contains("UrpcBenchmarks.OneWay", e.Message);
        Assert.Equal(before, File.ReadAllText(path));
    }

    [Fact]
    public void History_written_before_the_ci_and_verdict_columns_reads_and_appends()
    {
        // The CI workflow's bench-history branch holds lines from writers without CiLowNs..Verdict: they read back
        // with no CI and no verdict, and the new lines keep theirs.
        string path = _files.WriteRaw("urpc-history.csv", "Commit,Date,Host,Cpu,Benchmark,MedianNs,MedianCycles,Samples,Profile,Cores\n"
            + "old,2026-01-01T00:00:00Z,h,c,UrpcBenchmarks.RoundTrip,76.9,200,20,short,\"0,1\"\n");
        var fresh = Record("new", "UrpcBenchmarks.RoundTrip", 80);
        (fresh.CiLowNs, fresh.CiHighNs, fresh.CiLowCycles, fresh.CiHighCycles, fresh.Verdict) = (78, 83, 202.8, 215.8, "slower");
        HistoryFile.Append(path, [fresh]);
        var rows = HistoryFile.Read(path);
        Assert.Equal(["old", "new"], rows.Select(r => r.Commit));
        Assert.True(double.IsNaN(rows[0].CiLowNs) && double.IsNaN(rows[0].CiHighCycles));
        Assert.Equal("", rows[0].Verdict);
        Assert.Equal((78.0, 83.0, 202.8, 215.8, "slower"), (rows[1].CiLowNs, rows[1].CiHighNs, rows[1].CiLowCycles, rows[1].CiHighCycles, rows[1].Verdict));
    }

    [Fact]
    public void History_lines_of_a_run_carry_the_median_ci_and_the_comparers_verdict()
    {
        // 20 measurements per benchmark: the 95% CI exists (6 or more) and holds the median; cycles at meta's 2.6 GHz.
        string dir = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(_files.Write("run", new Dictionary<string, double[]>
        {
            ["Benchmarks.Suite.UrpcBenchmarks.RoundTrip"] = SyntheticResults.Normal(100, 2, 20, 1),
            ["Benchmarks.Suite.UrpcBenchmarks.OneWay"] = SyntheticResults.Normal(50, 1, 20, 2),
        }, host: "h"))!)!)!;
        var set = Benchmarks.Comparison.ResultSet.Load(dir);
        var verdicts = new Dictionary<string, Benchmarks.Comparison.Verdict> { ["Benchmarks.Suite.UrpcBenchmarks.RoundTrip"] = Benchmarks.Comparison.Verdict.Slower };
        var rows = Benchmarks.Runs.SuiteRun.HistoryRows(set, set.Meta!, "short", new BenchmarkCores(0, 1), verdicts);
        var rt = Assert.Single(rows, r => r.Benchmark == "UrpcBenchmarks.RoundTrip");
        Assert.True(rt.CiLowNs <= rt.MedianNs && rt.MedianNs <= rt.CiHighNs && rt.CiLowNs < rt.CiHighNs, $"CI [{rt.CiLowNs}, {rt.CiHighNs}] around {rt.MedianNs}");
        Assert.Equal(rt.MedianNs * 2.6, rt.MedianCycles, 0);
        Assert.Equal(rt.CiLowNs * 2.6, rt.CiLowCycles, 0);
        Assert.Equal(rt.CiHighNs * 2.6, rt.CiHighCycles, 0);
        Assert.Equal("slower", rt.Verdict);
        Assert.Equal("", Assert.Single(rows, r => r.Benchmark == "UrpcBenchmarks.OneWay").Verdict);
        string path = Path.Combine(_files.Dir, "urpc-history.csv");
        HistoryFile.Append(path, rows);
        Assert.Equal("slower", HistoryFile.Read(path).Single(r => r.Benchmark == "UrpcBenchmarks.RoundTrip").Verdict);
    }

    [Fact]
    public void History_keeps_an_unknown_cycles_median()
    {
        string path = Path.Combine(_files.Dir, "urpc-history.csv");
        var unknown = Record("aaa", "UrpcBenchmarks.RoundTrip", 90.5);
        unknown.MedianCycles = double.NaN;
        HistoryFile.Append(path, [unknown]);
        HistoryFile.Append(path, [Record("bbb", "UrpcBenchmarks.RoundTrip", 91)]);
        var rows = HistoryFile.Read(path);
        Assert.True(double.IsNaN(rows[0].MedianCycles));
        Assert.Equal(91 * 2.6, rows[1].MedianCycles, 6);
    }

    [Fact]
    public void Native_output_is_parsed()
    {
        var r = NativeReference.Parse("cores 0,1\nslots 16\nsamples 1000\nrtt_median_cycles 234\nrtt_p10_cycles 182\nrtt_p90_cycles 312\nrtt_batch_median_cycles 240.5\noneway_median_cycles 118\nthroughput_msgs_per_kcycle 45.011\n", "test");
        Assert.Equal(234, r.RttMedian);
        Assert.Equal(240.5, r.RttBatchMedian);
        Assert.Equal(118, r.OneWayMedian);
        Assert.Equal(45.011, r.MsgsPerKcycle);
        Assert.Equal("unknown build", r.Build); // an old binary that does not say how it was built is not labelled with a guess
    }

    [Fact]
    public void Native_build_label_is_what_the_binary_reports()
    {
        var r = NativeReference.Parse("march x86-64-v2\ncompiler gcc 12.2.0\ncores 0,1\nrtt_median_cycles 234\nrtt_p10_cycles 182\nrtt_p90_cycles 312\nrtt_batch_median_cycles 240.5\noneway_median_cycles 118\nthroughput_msgs_per_kcycle 45.011\n", "test");
        Assert.Equal("gcc 12.2.0 -O3 -march=x86-64-v2", r.Build);
    }

    [Fact]
    public void Native_build_label_names_a_loop_alignment_and_not_the_default()
    {
        const string Rest = "cores 0,1\nrtt_median_cycles 234\nrtt_p10_cycles 182\nrtt_p90_cycles 312\nrtt_batch_median_cycles 240.5\noneway_median_cycles 118\nthroughput_msgs_per_kcycle 45.011\n";
        Assert.Equal("gcc 12.2.0 -O3 -march=native -falign-loops=64", NativeReference.Parse("march native\ncompiler gcc 12.2.0\nalign_loops 64\n" + Rest, "test").Build);
        Assert.Equal("gcc 12.2.0 -O3 -march=native", NativeReference.Parse("march native\ncompiler gcc 12.2.0\nalign_loops default\n" + Rest, "test").Build);
        Assert.EndsWith("urpc_pingpong-align32", NativeReference.AlignedBeside("Benchmarks/native/urpc_pingpong", 32));
    }

    /// <summary>
    /// The reference is rebuilt when any file it is made from is newer than the binary, build.sh included: its flags
    /// (-O3, -march, -falign-loops and the labels compiled in) are part of what the binary is. A stand-in build.sh
    /// writes what it was asked to build, so the test sees whether it ran.
    /// </summary>
    [Theory]
    [InlineData("urpc_pingpong.c")]
    [InlineData("urpc_ring.h")]
    [InlineData("build.sh")]
    public void Native_reference_is_rebuilt_when_any_file_it_is_made_from_is_newer(string changed)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "a bash script stands in for build.sh");
        string native = Path.Combine(_files.Dir, "native-" + changed);
        Directory.CreateDirectory(native);
        string binary = Path.Combine(native, "urpc_pingpong");
        var built = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        File.WriteAllText(Path.Combine(native, "build.sh"), "printf 'rebuilt %s' \"$1\" > \"$2\"\n");
        File.WriteAllText(Path.Combine(native, "urpc_pingpong.c"), "");
        File.WriteAllText(Path.Combine(native, "urpc_ring.h"), "");
        foreach (var f in new[] { "urpc_pingpong.c", "urpc_ring.h", "build.sh" }) File.SetLastWriteTimeUtc(Path.Combine(native, f), built.AddMinutes(-1));
        File.WriteAllText(binary, "old build");
        File.SetLastWriteTimeUtc(binary, built);
        NativeReference.EnsureBuilt(binary, TextWriter.Null);
        Assert.Equal("old build", File.ReadAllText(binary)); // newer than everything it is made from: kept
        File.SetLastWriteTimeUtc(Path.Combine(native, changed), built.AddMinutes(1));
        NativeReference.EnsureBuilt(binary, TextWriter.Null);
        Assert.Equal("rebuilt urpc_pingpong", File.ReadAllText(binary));
    }

    /// <summary>
    /// --native takes a path: a bare file name is that file in the working directory, not a program to look up on PATH
    /// (the reference starts under setpriv, whose exec looks a bare name up on PATH). A script stands in for it.
    /// </summary>
    [Fact]
    public void Native_reference_given_by_a_bare_file_name_runs_the_file_in_the_working_directory()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "a POSIX shell script stands in for the reference");
        string name = $"fake_pingpong_{Guid.NewGuid():N}";
        File.WriteAllText(name, "#!/bin/sh\nprintf 'march test\\ncompiler gcc test\\nrtt_median_cycles 234\\nrtt_p10_cycles 182\\nrtt_p90_cycles 312\\n" +
                                "rtt_batch_median_cycles 240.5\\noneway_median_cycles 118\\nthroughput_msgs_per_kcycle 45.011\\n'\n");
        try
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(name, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var r = NativeReference.Run(name, new BenchmarkCores(0, 1), 1000);
            Assert.Equal(240.5, r.RttBatchMedian);
        }
        finally { File.Delete(name); }
    }

    [Fact]
    public void Native_output_without_a_key_is_an_error_naming_it()
    {
        var e = Assert.Throws<FormatException>(() => NativeReference.Parse("rtt_median_cycles 234\n", "urpc_pingpong"));
        Assert.Contains("rtt_p10_cycles", e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0,0")]
    [InlineData("0,1,2")]
    [InlineData("x,1")]
    public void Bad_core_pairs_are_rejected(string text)
    {
        var allowed = new[] { 0, 1, 2, 3 };
        Assert.Throws<FormatException>(() => BenchmarkCores.Parse(text, allowed));
    }

    [Fact]
    public void A_core_outside_the_mask_is_rejected_naming_the_allowed_cores()
    {
        var e = Assert.Throws<FormatException>(() => BenchmarkCores.Parse("0,9", [0, 1]));
        Assert.Contains("0-1", e.Message);
    }

    [Fact]
    public void Run_with_bad_cores_exits_2() =>
        Assert.Equal(2, Program.Main(["run", "--short", "--cores", "0,4096"]));

    [Fact]
    public void Peer_pins_itself_and_echoes()
    {
        var allowed = CoreAffinity.AllowedCpus();
        int core = allowed[^1];
        using var rings = new PeerRings(16);
        using (var peer = new UrpcPeer(rings, core))
        {
            Assert.Equal(core, peer.ObservedCpu);
            for (ulong i = 0; i < 100; i++)
            {
                rings.ToPeer.Send(new PeerMessages.Echo(i));
                var m = rings.FromPeer.Receive();
                Assert.Equal(PeerMessages.Echo.TypeId, m.Type);
                Assert.Equal(new PeerMessages.Echo(i), PeerMessages.Echo.Decode(in m));
                Assert.Equal(6UL, m[6]);
            }
        }
    }

    /// <summary>The mixed pairings' C# pinger checks every echo as the C pinger does: a batch with one wrong echo is
    /// reported as 0 (a failure), one with right echoes as a positive mean.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Mixed_csharp_pinger_checks_every_echo(bool corruptOne)
    {
        using var rings = new PeerRings(16);
        var echo = new Thread(() =>
        {
            for (int i = 0; i < PingPongMeasurement.RttBatch; i++)
            {
                var m = rings.PeerInbox.Receive();
                ulong v = PeerMessages.Echo.Decode(in m).Value;
                rings.PeerOutbox.Send(new PeerMessages.Echo(corruptOne && i == 37 ? v + 1 : v));
            }
        }) { IsBackground = true };
        echo.Start();
        double cycles = MixedPingPong.CSharpPingerBatch(rings.ToPeer, rings.FromPeer);
        Assert.True(echo.Join(TimeSpan.FromSeconds(10)));
        if (corruptOne) Assert.Equal(0, cycles);
        else Assert.True(cycles > 0, $"round trip {cycles}");
    }

    /// <summary>
    /// The mixed pairings' figure is the suite's median of each pairing's batch means (SampleSummary: the mean of the two
    /// middle values of an even-sized sample), as every other median the program prints; two rounds of an even number
    /// of batches give an even-sized sample.
    /// </summary>
    [Fact]
    public void Mixed_pairings_take_the_suites_median_of_their_batch_means()
    {
        var r = MixedPingPong.Summarise([[4, 1, 3, 2], [10, 30, 20], [7, 5], [9]]);
        Assert.Equal(new MixedResult(2.5, 20, 6, 9), r);
    }

    /// <summary>Each urpc-vs-native results row counts the values its statistic was taken over, across all rounds.</summary>
    [Fact]
    public void Samples_count_the_values_behind_each_row()
    {
        const int Samples = 6400, Rounds = 3;
        var o = new UrpcVsNativeOptions(new BenchmarkCores(0, 1), Samples, Rounds, null, Path.Combine(_files.Dir, "out"), false, Mixed: true);
        var r = new PingPongResult(234, 182, 312, 217.3, 117, 46.4, 208, "gcc -O3 -march=native");
        UrpcVsNative.Save(o, r, [], r, 1.0, 1.0, 2.6, Rounds, new MixedResult(220, 221, 222, 223));

        var rows = ResultsFile.Read(o.OutDir!);
        int Count(string series, string metric) => rows.Single(x => x.Series == series && x.Metric == metric).Samples;
        Assert.Equal(Samples * Rounds, Count("native C", "rtt_cycles"));
        Assert.Equal(Samples / 64 * Rounds, Count("native C", "rtt_batch64_cycles"));
        Assert.Equal(Samples / 64 * Rounds, Count("C# URPC ring", "rtt_batch64_cycles"));
        Assert.Equal(64 * Rounds, Count("C# URPC ring", "msgs_per_kcycle"));
        Assert.Equal(100 * Rounds, Count("mixed C pinger, C echo", "rtt_batch64_cycles")); // max(100, 6400 / 64 / 4) batches per round
    }
}

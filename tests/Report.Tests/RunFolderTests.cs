using Experiments.Schema;
using Report.Catalog;
using Report.Input;
using TestSupport;

namespace Report.Tests;

public class RunFolderTests
{
    static IReadOnlyList<string> Snapshot(string dir) =>
        Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order().Select(p => $"{p}:{(File.Exists(p) ? new FileInfo(p).Length : -1)}").ToList();

    static ReportInputException Rejects(FixtureRun fx)
    {
        var before = Snapshot(fx.Root);
        var e = Assert.Throws<ReportInputException>(() => RunFolder.Load(fx.RunDir));
        Assert.Equal(before, Snapshot(fx.Root)); // nothing written, nothing deleted
        return e;
    }

    /// <summary>
    /// A run folder with the Fig1 experiment whose <paramref name="file"/> (in the Fig1 folder) <paramref name="spoil"/>
    /// then damages: returns that file's path and the error that loading the folder throws (having written nothing).
    /// </summary>
    static (string Path, ReportInputException Error) Fig1WithSpoiled(string file, Action<string> spoil)
    {
        using var fx = new FixtureRun().WithFig1();
        string path = Path.Combine(fx.RunDir, ExperimentCatalog.Fig1, file);
        spoil(path);
        return (path, Rejects(fx));
    }

    [Fact]
    public void Missing_run_folder_is_named_in_the_error()
    {
        using var fx = new FixtureRun();
        string missing = Path.Combine(fx.Root, "no-such-run");
        var e = Assert.Throws<ReportInputException>(() => RunFolder.Load(missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    /// <summary>
    /// An experiment's folder given as the run folder: the error blamed its meta.json for not being run-all's
    /// ("not a run-level meta.json"); it now says the folder is an experiment's and names the run folder above it.
    /// </summary>
    [Fact]
    public void An_experiment_folder_given_as_the_run_folder_is_named_as_such_with_the_run_folder_to_give()
    {
        using var fx = new FixtureRun().WithFig1();
        string fig1 = Path.Combine(fx.RunDir, ExperimentCatalog.Fig1);
        var before = Snapshot(fx.Root);
        var e = Assert.Throws<ReportInputException>(() => RunFolder.Load(fig1));
        Assert.Equal(before, Snapshot(fx.Root));
        Assert.Equal($"{fig1}: is an experiment's folder (it holds results.csv), not a run folder; give the run folder that holds it: {fx.RunDir}", e.Message);
    }

    [Fact]
    public void Run_folder_without_experiment_folders_is_rejected()
    {
        using var fx = new FixtureRun();
        var e = Rejects(fx);
        Assert.Contains(fx.RunDir, e.Message);
        Assert.Contains("no experiment folders", e.Message);
    }

    [Fact]
    public void Results_without_meta_is_a_half_written_folder()
    {
        var (meta, e) = Fig1WithSpoiled("meta.json", File.Delete);
        Assert.Contains(meta, e.Message);
        Assert.Contains("half-written", e.Message);
    }

    [Fact]
    public void Complete_meta_without_results_is_a_half_written_folder()
    {
        var (results, e) = Fig1WithSpoiled("results.csv", File.Delete);
        Assert.Contains(results, e.Message);
        Assert.Contains("complete", e.Message);
    }

    [Fact]
    public void Truncated_results_file_is_rejected_with_its_path()
    {
        var (results, e) = Fig1WithSpoiled("results.csv", p =>
        {
            string text = File.ReadAllText(p);
            File.WriteAllText(p, text[..(text.Length - 25)]); // the last record loses its last fields
        });
        Assert.Contains(results, e.Message);
    }

    [Fact]
    public void Results_file_with_a_non_number_median_is_rejected()
    {
        var (results, e) = Fig1WithSpoiled("results.csv", p =>
        {
            var lines = File.ReadAllLines(p);
            lines[1] = lines[1].Replace(",300,", ",three hundred,");
            Assert.Contains("three hundred", lines[1]);
            File.WriteAllLines(p, lines);
        });
        Assert.Contains(results, e.Message);
    }

    [Fact]
    public void Results_file_missing_a_column_is_rejected_naming_the_column()
    {
        var (results, e) = Fig1WithSpoiled("results.csv", p => File.WriteAllText(p, "Experiment,Series,Cores\nfig1-shared-state,SHM1,1\n"));
        Assert.Contains(results, e.Message);
        Assert.Contains("Median", e.Message);
    }

    [Fact]
    public void Empty_results_file_is_rejected()
    {
        var (results, e) = Fig1WithSpoiled("results.csv", p => File.WriteAllText(p, ""));
        Assert.Contains(results, e.Message);
        Assert.Contains("empty", e.Message);
    }

    /// <summary>
    /// fig3-tlb's files copied into the fig1-shared-state folder: their rows would be drawn under Fig 1's title and
    /// judged by its claims. Each file that names another experiment than its registered folder is refused, naming it.
    /// </summary>
    [Theory]
    [InlineData("results.csv")]
    [InlineData("meta.json")]
    public void A_registered_folder_whose_file_names_another_experiment_is_rejected_naming_both(string file)
    {
        using var fx = new FixtureRun().WithFig1();
        string fig1 = Path.Combine(fx.RunDir, ExperimentCatalog.Fig1);
        if (file == "results.csv")
            ResultsFile.Write(fig1, [FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 1, 300), FixtureRun.Row(ExperimentCatalog.Fig3Tlb, "Broadcast", 2, 1300, "cycles", param: "protocol=broadcast")]);
        else
            FixtureRun.Meta(ExperimentCatalog.Fig3Tlb).Save(fig1);
        var e = Rejects(fx);
        Assert.Contains(Path.Combine(fig1, file), e.Message);
        Assert.Contains($"names experiment \"{ExperimentCatalog.Fig3Tlb}\", but the folder is {ExperimentCatalog.Fig1}/", e.Message);
        if (file == "results.csv") Assert.Contains("record 2", e.Message);
    }

    [Fact]
    public void A_folder_the_registry_does_not_know_may_hold_rows_of_another_name()
    {
        // urpc-vs-native writes one folder per core pair (urpc-vs-native-0-1, ...), each naming experiment urpc-vs-native.
        using var fx = new FixtureRun();
        fx.Write("urpc-vs-native-0-1", [FixtureRun.Row("urpc-vs-native", "rtt", 2, 700, "rtt_ratio", "x")], FixtureRun.Meta("urpc-vs-native"));
        Assert.Single(RunFolder.Load(fx.RunDir).Experiments);
    }

    [Fact]
    public void Garbage_meta_json_is_rejected_with_its_path()
    {
        var (meta, e) = Fig1WithSpoiled("meta.json", p => File.WriteAllText(p, "{ \"status\": \"compl"));
        Assert.Contains(meta, e.Message);
    }

    /// <summary>
    /// An experiment's meta.json without its experiment id or its start time (hand-made, or cut down to its status) is
    /// rejected naming the file and the field; it was shown as an experiment of no name started on 0001-01-01.
    /// </summary>
    [Theory]
    [InlineData("experiment")]
    [InlineData("started")]
    public void Meta_json_without_its_experiment_or_start_is_rejected_naming_the_field(string property)
    {
        var (meta, e) = Fig1WithSpoiled("meta.json", p =>
        {
            var obj = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(p))!.AsObject();
            obj.Remove(property);
            File.WriteAllText(p, obj.ToJsonString());
        });
        Assert.Contains(meta, e.Message);
        Assert.Contains($"\"{property}\" is missing", e.Message);
    }

    [Theory]
    [InlineData("notes", null)]
    [InlineData("incomplete", null)]
    [InlineData("cpuModel", null)]
    [InlineData("notes", "[\"a note\", null]")]
    public void Meta_json_with_a_null_where_a_value_belongs_is_rejected_with_its_path(string property, string? json)
    {
        var (meta, e) = Fig1WithSpoiled("meta.json", p =>
        {
            var obj = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(p))!.AsObject();
            obj[property] = json is null ? null : System.Text.Json.Nodes.JsonNode.Parse(json);
            File.WriteAllText(p, obj.ToJsonString());
        });
        Assert.Contains(meta, e.Message);
        Assert.Contains(json is null ? $"\"{property}\" is null" : $"\"{property}[1]\" is null", e.Message);
    }

    [Theory]
    [InlineData("\"experiments\":null")]
    [InlineData("\"experiments\":[{\"name\":\"fig3\",\"folders\":null,\"status\":\"not-present\"}]")]
    [InlineData("\"experiments\":[{\"name\":\"fig3\",\"folders\":[\"fig3-tlb\"],\"status\":\"not-present\",\"reason\":null}]")]
    public void Run_level_meta_json_with_a_null_list_is_rejected_with_its_path(string experiments)
    {
        using var fx = new FixtureRun().WithFig1();
        string path = Path.Combine(fx.RunDir, "meta.json");
        File.WriteAllText(path, $$"""{"kind":"run","host":"fixturehost",{{experiments}}}""");
        var e = Rejects(fx);
        Assert.Contains(path, e.Message);
        Assert.Contains("is null", e.Message);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    static void MakeUnreadable(string path)
    {
        if (UnreadableFile.Make(path) is { } why) Assert.Skip(why);
    }

    [Theory]
    [InlineData("meta.json")]
    [InlineData("results.csv")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void An_experiment_file_that_cannot_be_read_is_an_input_error_naming_it(string file)
    {
        var (path, e) = Fig1WithSpoiled(file, MakeUnreadable);
        AssertNamedUnreadable(path, e);
    }

    static void AssertNamedUnreadable(string path, ReportInputException e)
    {
        Assert.Contains(path, e.Message);
        Assert.Contains("cannot be read", e.Message);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_run_level_meta_json_that_cannot_be_read_is_an_input_error_naming_it()
    {
        using var fx = new FixtureRun().WithFig1();
        string path = Path.Combine(fx.RunDir, "meta.json");
        File.WriteAllText(path, """{"kind":"run","host":"fixturehost","experiments":[]}""");
        MakeUnreadable(path);
        AssertNamedUnreadable(path, Rejects(fx));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_failed_experiment_whose_log_cannot_be_read_is_still_a_failed_experiment()
    {
        using var fx = new FixtureRun().WithFig1();
        string dir = Path.Combine(fx.RunDir, ExperimentCatalog.Compute);
        Directory.CreateDirectory(dir);
        string log = Path.Combine(dir, "log.txt");
        File.WriteAllLines(log, ["starting", "Unhandled exception: boom"]);
        MakeUnreadable(log);
        var run = RunFolder.Load(fx.RunDir);
        var failed = Assert.Single(run.Failed);
        Assert.Equal(ExperimentCatalog.Compute, failed.Name);
        Assert.Contains(log, Assert.Single(failed.LogTail));
    }

    [Theory]
    [InlineData("meta.json")]
    [InlineData("results.csv")]
    public void An_experiment_file_that_is_a_folder_is_an_input_error_saying_so(string file)
    {
        var (path, e) = Fig1WithSpoiled(file, p => { File.Delete(p); Directory.CreateDirectory(p); });
        Assert.Contains($"{path}: is a folder", e.Message);
    }

    [Fact]
    public void Every_bad_folder_is_reported_not_only_the_first()
    {
        using var fx = new FixtureRun().WithFig1().WithCompute();
        File.Delete(Path.Combine(fx.RunDir, ExperimentCatalog.Fig1, "meta.json"));
        File.WriteAllText(Path.Combine(fx.RunDir, ExperimentCatalog.Compute, "results.csv"), "");
        var e = Rejects(fx);
        Assert.Contains(ExperimentCatalog.Fig1, e.Message);
        Assert.Contains(ExperimentCatalog.Compute, e.Message);
    }

    [Fact]
    public void Folder_with_only_a_log_is_a_failed_experiment_not_an_error()
    {
        using var fx = new FixtureRun().WithFig1();
        string dir = Path.Combine(fx.RunDir, ExperimentCatalog.Compute);
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, "log.txt"), ["starting", "Unhandled exception: boom"]);
        var run = RunFolder.Load(fx.RunDir);
        var failed = Assert.Single(run.Failed);
        Assert.Equal(ExperimentCatalog.Compute, failed.Name);
        Assert.Contains("Unhandled exception: boom", failed.LogTail);
        Assert.Single(run.Experiments);
    }

    [Fact]
    public void Incomplete_meta_without_results_is_shown_as_incomplete_with_no_rows()
    {
        using var fx = new FixtureRun();
        string dir = Path.Combine(fx.RunDir, ExperimentCatalog.Compute);
        FixtureRun.Meta(ExperimentCatalog.Compute, "incomplete", "CG class S at 1 core").Save(dir);
        var run = RunFolder.Load(fx.RunDir);
        var e = Assert.Single(run.Experiments);
        Assert.True(e.IsIncomplete);
        Assert.Empty(e.Rows);
    }

    [Fact]
    public void Rows_read_back_equal_rows_written()
    {
        using var fx = new FixtureRun().WithCompute();
        var written = ResultsFile.Read(Path.Combine(fx.RunDir, ExperimentCatalog.Compute));
        var read = RunFolder.Load(fx.RunDir).Find(ExperimentCatalog.Compute)!.Rows;
        Assert.Equal(written.Count, read.Count);
        for (int i = 0; i < read.Count; i++)
        {
            Assert.Equal(written[i].Series, read[i].Series);
            Assert.Equal(written[i].Param, read[i].Param);
            Assert.Equal(written[i].Median, read[i].Median);
            Assert.Equal(written[i].Verified, read[i].Verified);
        }
    }

    /// <summary>
    /// A record's line in an error is the file's physical line: a Note of three lines (written quoted, as the schema's
    /// writer does) moves every later record down. The error named the record's index plus two.
    /// </summary>
    [Fact]
    public void A_bad_record_after_a_multi_line_note_is_named_by_its_physical_line()
    {
        using var fx = new FixtureRun();
        var (results, lines) = AfterAMultiLineNote(fx, FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 4, 320, verified: "maybe"));
        Assert.Contains("maybe", lines[5]);
        var e = Rejects(fx);
        Assert.Equal($"{results}: record 3 (line 6, series 'SHM1'): Verified is 'maybe'; allowed: pass, fail or empty", e.Message);
    }

    [Fact]
    public void A_non_number_after_a_multi_line_note_is_named_by_its_physical_line()
    {
        using var fx = new FixtureRun();
        var (results, lines) = AfterAMultiLineNote(fx, FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 4, 777));
        lines[5] = lines[5].Replace(",777,", ",seven,");
        File.WriteAllLines(results, lines);
        var e = Rejects(fx);
        Assert.Contains(results, e.Message);
        Assert.Contains("(line 6)", e.Message);
    }

    /// <summary>Fig 1's results.csv of three records, the first with a Note of three lines (written quoted, as the
    /// schema's writer does), the third <paramref name="last"/>: its path and its six physical lines.</summary>
    static (string Results, List<string> Lines) AfterAMultiLineNote(FixtureRun fx, ResultRow last)
    {
        fx.Write(ExperimentCatalog.Fig1,
            [FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 1, 300, note: "first line\nsecond line\nthird line"),
             FixtureRun.Row(ExperimentCatalog.Fig1, "SHM1", 2, 310),
             last],
            FixtureRun.Meta(ExperimentCatalog.Fig1));
        string results = Path.Combine(fx.RunDir, ExperimentCatalog.Fig1, "results.csv");
        var lines = File.ReadAllLines(results).ToList();
        Assert.Equal(6, lines.Count); // header, 3 lines of record 1, record 2, record 3
        return (results, lines);
    }
}

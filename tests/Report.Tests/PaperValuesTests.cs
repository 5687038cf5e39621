using Report.Input;
using Report.Paper;
using TestSupport;

namespace Report.Tests;

public class PaperValuesTests
{
    [Fact]
    public void Built_in_copy_holds_the_papers_headline_numbers()
    {
        var p = PaperValues.BuiltIn();
        var shm8 = Assert.Single(p.ForFigure("fig3-shared-state"), v => v.Series == "SHM8");
        Assert.Equal(16, shm8.Cores);
        Assert.Equal(12000, shm8.Value);
        Assert.Contains(p.ForFigure("table1-lrpc"), v => v.Value == 845 && v.Unit == "cycles");
        Assert.Contains(p.ForFigure("io-udp-echo"), v => v.Cores is null);
    }

    [Fact]
    public void Built_in_copy_is_the_committed_file()
    {
        string? root = RepositoryRoot.FindFrom(AppContext.BaseDirectory);
        Assert.NotNull(root);
        Assert.Equal(File.ReadAllText(Path.Combine(root!, "Report", "paper-values.csv")), PaperValues.BuiltInText());
    }

    /// <summary>
    /// The built-in copy (Report/paper-values.csv) must equal the team's reference file wherever that is reachable
    /// (shared/reference in the repository's folder or one above it, in CI and in the team's checkouts), so the two
    /// cannot drift. Where it is not reachable the comparison cannot run: the test is skipped and says so.
    /// </summary>
    [Fact]
    public void Built_in_copy_equals_the_shared_reference_file()
    {
        string? root = RepositoryRoot.FindFrom(AppContext.BaseDirectory);
        Assert.NotNull(root);
        string? shared = null;
        for (var d = new DirectoryInfo(root!); d is not null && shared is null; d = d.Parent)
        {
            string c = Path.Combine(d.FullName, "shared", "reference", "paper-values.csv");
            if (File.Exists(c)) shared = c;
        }
        Assert.SkipWhen(shared is null, $"no shared/reference/paper-values.csv in {root} or a folder above it: the built-in copy cannot be compared with the team's file");
        Assert.Equal(File.ReadAllText(shared!), File.ReadAllText(Path.Combine(root!, "Report", "paper-values.csv")));
    }

    [Fact]
    public void A_bad_value_is_rejected_naming_the_source_and_record()
    {
        var e = Assert.Throws<ReportInputException>(() => PaperValues.Parse(
            "figure,series,machine,cores,value,unit,precision,note\nfig3-shared-state,SHM8,m,16,lots,cycles,text,\n", "test.csv"));
        Assert.Contains("test.csv", e.Message);
        Assert.Contains("lots", e.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public void A_value_that_is_not_finite_is_rejected_naming_the_source_and_record(string value)
    {
        // double.TryParse reads these; one such value in a figure made its panel's y axis 0 to 1 (Math.Max with NaN is
        // NaN, and AxisPlan falls back to 1), so every value of ours lay off the chart.
        var e = Assert.Throws<ReportInputException>(() => PaperValues.Parse(
            $"figure,series,machine,cores,value,unit,precision,note\nfig3-shared-state,SHM8,m,16,{value},cycles,text,\n", "test.csv"));
        Assert.Contains("test.csv", e.Message);
        Assert.Contains($"'{value}'", e.Message);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_paper_values_file_that_cannot_be_read_is_an_input_error_naming_it()
    {
        using var fx = new FixtureRun();
        string path = fx.WriteFile("paper-values.csv", PaperValues.BuiltInText());
        UnreadableFile.AssertRefused<ReportInputException>(path, () => PaperValues.Load(path));
    }

    [Fact]
    public void A_folder_given_as_the_paper_values_is_refused_as_a_folder_not_as_missing()
    {
        // "report --paper-values DIR" said "--paper-values: DIR does not exist" of a folder that exists.
        string dir = Directory.CreateTempSubdirectory("paper-values-dir-").FullName;
        try
        {
            var e = Assert.Throws<ReportInputException>(() => PaperValues.Load(dir));
            Assert.Contains(dir, e.Message);
            Assert.Contains("is a folder", e.Message);
            Assert.DoesNotContain("does not exist", e.Message);
        }
        finally { Directory.Delete(dir); }
    }

    [Fact]
    public void Comment_lines_and_quoted_notes_are_read()
    {
        var v = PaperValues.Parse("# comment, with comma\nfigure,series,machine,cores,value,unit,precision,note\nf,S,m,,1.5,x,text,\"a, b\"\n", "t");
        var one = Assert.Single(v);
        Assert.Null(one.Cores);
        Assert.Equal(1.5, one.Value);
        Assert.Equal("a, b", one.Note);
    }
}

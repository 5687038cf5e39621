
namespace Experiments.Tests;

public class ExperimentRecorderTests
{
    static ResultRow Row(string series) => new() { Experiment = "x", Series = series, Cores = 1, Metric = "m", Unit = "u", Median = 1, CiLow = 1, CiHigh = 1, Samples = 1 };

    [Fact]
    public void SavesAfterEveryPointAndMarksCompleteOnlyWhenNothingIsMissing()
    {
        string dir = Path.Combine(TestCores.TempDir(), "x");
        var rec = new ExperimentRecorder(dir, RunMeta.Describe("x", [0], "test"), ["a", "b"]);
        Assert.Equal(["a", "b"], RunMeta.Load(dir).Incomplete);
        Assert.Empty(ResultsFile.Read(dir));

        rec.Complete("a", [Row("A")]);
        Assert.Equal(["A"], ResultsFile.Read(dir).Select(r => r.Series));
        Assert.Equal(["b"], RunMeta.Load(dir).Incomplete);
        Assert.Equal("incomplete", RunMeta.Load(dir).Status);

        Assert.Throws<ArgumentException>(() => rec.Complete("a", [Row("A")]));
        rec.Complete("b", [Row("B")]);
        rec.Finish();
        var meta = RunMeta.Load(dir);
        Assert.Equal("complete", meta.Status);
        Assert.Empty(meta.Incomplete);
        Assert.NotNull(meta.Finished);
    }

    [Fact]
    public void FinishWithMissingPointsOrInterruptionStaysIncomplete()
    {
        string dir = Path.Combine(TestCores.TempDir(), "y");
        var rec = new ExperimentRecorder(dir, RunMeta.Describe("y", [0], "test"), ["a"]);
        rec.Finish();
        Assert.Equal("incomplete", RunMeta.Load(dir).Status);

        string dir2 = Path.Combine(TestCores.TempDir(), "z");
        var rec2 = new ExperimentRecorder(dir2, RunMeta.Describe("z", [0], "test"), []);
        rec2.Finish("interrupted");
        Assert.Equal("incomplete", RunMeta.Load(dir2).Status);
    }

    /// <summary>
    /// The first save names the run incomplete in meta.json before results.csv exists: a run killed (or failing) while
    /// it writes its first results.csv leaves a folder the report shows as incomplete, not results.csv alone ("half-written",
    /// which refuses the whole run) or nothing. Here results.csv cannot be written: its path is a folder, which the
    /// temporary file cannot be renamed over.
    /// </summary>
    [Fact]
    public void AFirstResultsFileThatCannotBeWrittenLeavesAMetaThatNamesTheRunIncomplete()
    {
        string dir = Path.Combine(TestCores.TempDir(), "w");
        Directory.CreateDirectory(Path.Combine(dir, ResultsFile.FileName));
        Assert.ThrowsAny<Exception>(() => new ExperimentRecorder(dir, RunMeta.Describe("w", [0], "test"), ["a"]));
        Assert.False(File.Exists(Path.Combine(dir, ResultsFile.FileName)));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp")); // the failed write leaves no temporary file behind
        var meta = RunMeta.Load(dir);
        Assert.Equal("incomplete", meta.Status);
        Assert.Equal(["a"], meta.Incomplete);
    }
}

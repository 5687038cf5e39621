using Report.Input;
using Report.Paper;

namespace Report.Tests;

public class CompareDocumentTests
{
    [Fact]
    public void Two_runs_are_put_side_by_side_on_shared_axes()
    {
        using var small = new FixtureRun("small-2core");
        using var big = new FixtureRun("big-16core");
        small.WithFig1().WithCompute();
        big.Write(ExperimentCatalogNames.Fig1, Enumerable.Range(1, 16).Select(c => FixtureRun.Row(ExperimentCatalogNames.Fig1, "SHM8", c, 1000.0 * c)));
        string html = CompareDocument.Build(RunFolder.Load(small.RunDir), RunFolder.Load(big.RunDir), PaperValues.BuiltIn());

        Assert.Contains("small-2core", html);
        Assert.Contains("big-16core", html);
        Assert.Contains("A4 landscape", html);
        var charts = ChartTrace.Charts(html);
        // Fig 1: one chart per run; compute (only in A): CG and IS for A, "not measured" for B.
        Assert.Equal(4, charts.Count);
        Assert.Contains("Not measured in this run.", html);
        Assert.Equal(16, charts[1].Single(t => t.Name == "SHM8").X.Length);
        // Both Fig 1 charts share the axis ranges of the larger run, so the two sides can be compared by eye.
        var ranges = ChartLayouts.Ranges(html);
        Assert.Equal(charts.Count, ranges.Count);
        Assert.Equal(ranges[0].X, ranges[1].X);
        Assert.Equal(ranges[0].Y, ranges[1].Y);
        Assert.True(ranges[0].Y[1] >= 16.0, "y range covers the 16-core run's 16,000 cycles (shown as 16)");
        Assert.Contains("id=\"not-run\"", html);
    }
}

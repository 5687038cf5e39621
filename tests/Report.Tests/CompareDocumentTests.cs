using Report.Catalog;
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
        big.Write(ExperimentCatalog.Fig1, Enumerable.Range(1, 16).Select(c => FixtureRun.Row(ExperimentCatalog.Fig1, "SHM8", c, 1000.0 * c)));
        string html = CompareDocument.Build(RunFolder.Load(small.RunDir), RunFolder.Load(big.RunDir), PaperValues.BuiltIn(), small.Root);

        Assert.Contains("small-2core", html);
        Assert.Contains("big-16core", html);
        Assert.Contains("A4 landscape", html);
        var charts = ChartPanel.All(html);
        // Fig 1's paper panel for both runs, A's variants panel ("not measured" for B), and compute (only in A): CG and IS.
        Assert.Equal(5, charts.Count);
        Assert.Contains("Not measured in this run.", html);
        var paperPanels = charts.Where(c => c.Title.StartsWith("As in the paper", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, paperPanels.Count);
        Assert.Equal(16, paperPanels[1].Trace("SHM8").X.Length);
        // Both Fig 1 panels share the axis ranges of the larger run, so the two sides can be compared by eye.
        Assert.Equal(paperPanels[0].Range("xaxis"), paperPanels[1].Range("xaxis"));
        Assert.Equal(paperPanels[0].Range("yaxis"), paperPanels[1].Range("yaxis"));
        Assert.True(paperPanels[0].Range("yaxis")[1] >= 16.0, "y range covers the 16-core run's 16,000 cycles (shown as 16)");
        Assert.Contains("The paper&#39;s claims in the two runs", html);
        Assert.Contains("id=\"not-run\"", html);
    }
}

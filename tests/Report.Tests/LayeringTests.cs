namespace Report.Tests;

/// <summary>The report reads results through the schema library only; it never links the kernel.</summary>
public class LayeringTests
{
    [Fact]
    public void ReportDoesNotLinkTheKernelOrTheExperimentHarness()
    {
        var refs = typeof(Report.Catalog.ExperimentCatalog).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.Contains("Experiments.Schema", refs);
        Assert.DoesNotContain("Multikernel", refs);
        Assert.DoesNotContain("Experiments.Common", refs);
    }
}

using Experiments.Schema;
using Report.Catalog;

namespace Report.Tests;

/// <summary>The report reads results and the experiment registry through the schema library only; it never links the kernel.</summary>
public class SchemaUseTests
{
    [Fact]
    public void ReportDoesNotLinkTheKernelOrTheExperimentHarness()
    {
        var refs = typeof(ExperimentCatalog).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.Contains("Experiments.Schema", refs);
        Assert.DoesNotContain("Multikernel", refs);
        Assert.DoesNotContain("Experiments.Common", refs);
    }

    [Fact]
    public void EveryRegisteredExperimentHasACatalogSectionTitledAsTheRegistrySays()
    {
        Assert.Equal(ExperimentRegistry.All.Select(e => e.Folder), ExperimentCatalog.KnownNames);
        foreach (var e in ExperimentRegistry.All)
            Assert.Equal(e.Title, ExperimentCatalog.For(e.Folder).Title.Heading);
    }
}

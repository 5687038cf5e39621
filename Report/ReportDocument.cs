using Report.Catalog;
using Report.Html;
using Report.Input;
using Report.Paper;
using Report.Sections;

namespace Report;

/// <summary>The HTML report of one run: title page, the known experiments in paper order, any others, what did not run.</summary>
public static class ReportDocument
{
    public static string Build(RunFolder run, PaperValues paper)
    {
        var w = new HtmlWriter();
        TitlePage.Write(w, run, paper.Source);
        foreach (var e in Ordered(run.Experiments.Select(e => e.Name)).Select(n => run.Find(n)!))
            FigureSection.Write(w, ExperimentCatalog.For(e.Name), e, paper);
        NotRunSection.Write(w, run);
        return PageLayout.Wrap($"Multikernel reproduction: {run.Name}", w.ToString(), landscape: false);
    }

    /// <summary>Known experiments in the catalog's order, then the others alphabetically.</summary>
    public static IReadOnlyList<string> Ordered(IEnumerable<string> names)
    {
        var set = names.ToHashSet();
        return ExperimentCatalog.KnownNames.Where(set.Contains)
            .Concat(set.Where(n => ExperimentCatalog.Find(n) is null).Order(StringComparer.Ordinal))
            .ToList();
    }
}

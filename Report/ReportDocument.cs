using Report.Catalog;
using Report.History;
using Report.Html;
using Report.Paper;
using Report.Sections;

namespace Report;

/// <summary>
/// The HTML report of one run: the first page (machine, the paper's claims with verdicts, one reading per figure),
/// the known experiments in paper order, any others, the URPC history if given, and what did not run.
/// </summary>
public static class ReportDocument
{
    /// <param name="outputDir">Where report.html will be written (links to the CSV files are relative to it).</param>
    public static string Build(RunFolder run, PaperValues paper, string outputDir, HistoryInput? history = null)
    {
        var w = new HtmlWriter();
        TitlePage.Write(w, run, paper.Source);
        foreach (var e in Ordered(run.Experiments.Select(e => e.Name)).Select(n => run.Find(n)!))
            ChapterSection.Write(w, e, paper, outputDir);
        if (history is not null) HistorySection.Write(w, history.Entries, history.Source, PageLayout.PortraitWidth);
        NotRunSection.Write(w, run);
        return PageLayout.Wrap($"Multikernel reproduction: {run.Name}", w.ToString(), landscape: false);
    }

    /// <summary>A report of the URPC history alone (report --history FILE --out DIR, without a run).</summary>
    public static string BuildHistoryOnly(HistoryInput history)
    {
        var w = new HtmlWriter();
        w.Open("section", "title-page", "title");
        w.H1("Multikernel reproduction: URPC latency history");
        w.P($"From {history.Source}; report generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        w.Close("section");
        HistorySection.Write(w, history.Entries, history.Source, PageLayout.PortraitWidth);
        return PageLayout.Wrap("Multikernel reproduction: URPC latency history", w.ToString(), landscape: false);
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

using PdfCheck;
using Report.Pdf;

namespace Report.Tests;

/// <summary>
/// End to end through Chromium and poppler: needs /usr/bin/chromium and pdfinfo/pdftotext/pdftoppm
/// (scripts/install-deps.sh test installs them; CI runs it before the tests).
/// </summary>
public class PdfReportTests
{
    static void RequireTools()
    {
        Assert.True(ChromiumPdfPrinter.Find() is not null, "Chromium not found: run scripts/install-deps.sh test (as root)");
        var missing = PdfInspection.MissingTools();
        Assert.True(missing.Count == 0, $"missing {string.Join(", ", missing)}: run scripts/install-deps.sh test (as root)");
    }

    [Fact]
    public void Pdf_of_a_run_names_every_figure_and_its_pages_show_plotted_data()
    {
        RequireTools();
        using var fx = new FixtureRun();
        fx.WithFig1().WithCompute().WithUrpcTables();
        var r = ReportProcess.Run("--run", fx.RunDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string pdf = Path.Combine(fx.RunDir, "report.pdf");

        var inspection = PdfInspection.Run(pdf, Path.Combine(fx.Root, "png"));
        var failures = PdfVerdict.Failures(inspection, minPages: 5,
            expectedText: ["Multikernel reproduction", "Fixture CPU model 9000", "Fig 1 (paper Fig 3)", "Paper Tables 1-3", "Figs 4-8 (paper Fig 9)",
                "Fig. 9: CG class S", "Fig. 9: IS class S", "Experiments not run", "fig3-tlb", "io-webserver", "Latency (cycles x 1000)"],
            chartPages: ["Fig. 3: cycles_per_update", "Fig. 9: CG class S", "Fig. 9: IS class S"]);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Concat(inspection.PageStats.Select(p => p.ToString()))));
        // The title page and the table-only page draw no curve: the chart check tells charts from text.
        Assert.True(inspection.PageMentioning("Paper Tables 1-3")!.ChartPixels < PdfVerdict.MinChartPixels);
        Assert.Empty(Directory.GetFiles(fx.RunDir, ".*")); // no temporary file left behind
    }

    [Fact]
    public void Pdf_of_a_comparison_is_landscape_and_shows_both_runs()
    {
        RequireTools();
        using var a = new FixtureRun("run-a");
        using var b = new FixtureRun("run-b");
        a.WithFig1();
        b.WithFig1();
        string outDir = Path.Combine(a.Root, "cmp");
        var r = ReportProcess.Run("--compare", a.RunDir, b.RunDir, "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var inspection = PdfInspection.Run(Path.Combine(outDir, "report.pdf"), Path.Combine(a.Root, "png"));
        var failures = PdfVerdict.Failures(inspection, 3, ["run-a", "run-b", "Fig 1 (paper Fig 3)"], ["Fig. 3: cycles_per_update"]);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var page = inspection.PageStats[0];
        Assert.True(page.Width > page.Height, $"expected landscape pages, got {page.Width}x{page.Height}");
    }
}

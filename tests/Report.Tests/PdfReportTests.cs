using PdfCheck;
using Report.Paper;
using Report.Pdf;

namespace Report.Tests;

/// <summary>
/// End to end through Chromium and poppler, as a reader sees the PDF: needs chromium and pdfinfo/pdftotext/pdftoppm
/// (scripts/install-deps.sh test installs them; CI runs it before the tests). Every chart panel the HTML draws must be
/// found on the pages with plotted data inside its plot area, and no page may be more than half empty unless it is
/// the last of a chapter.
/// </summary>
public class PdfReportTests
{
    static void RequireTools()
    {
        Assert.True(ChromiumPdfPrinter.Find() is not null, "Chromium not found: run scripts/install-deps.sh test (as root)");
        var missing = PdfInspection.MissingTools();
        Assert.True(missing.Count == 0, $"missing {string.Join(", ", missing)}: run scripts/install-deps.sh test (as root)");
    }

    static string Describe(IReadOnlyList<string> failures, PdfInspection pdf) =>
        string.Join("\n", failures.Concat(pdf.PageStats.Select(p => p.ToString())));

    [Fact]
    public void Pdf_of_a_run_names_every_figure_and_every_panel_shows_plotted_data()
    {
        RequireTools();
        using var fx = new FixtureRun().WithFig1().WithCompute().WithUrpcTables();
        var r = ReportProcess.Run("--run", fx.RunDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string pdf = Path.Combine(fx.RunDir, "report.pdf");
        int panels = PdfInspection.PanelsIn(File.ReadAllText(Path.Combine(fx.RunDir, "report.html")));
        Assert.Equal(4, panels); // Fig 1: the paper's series and the variants; compute: CG and IS time

        var inspection = PdfInspection.Run(pdf, Path.Combine(fx.Root, "png"));
        var failures = PdfVerdict.Failures(inspection, minPages: 4,
            expectedText: ["Multikernel reproduction", "Fixture CPU model 9000", "The paper's claims in this run", "Fig 1 (paper Fig 3)",
                "Paper Tables 1-3", "Figs 4, 6 (paper Fig 9)", "Fig 4 (paper Fig 9): NAS CG", "Experiments not run", "fig3-tlb", "io-webserver",
                "Latency (cycles x 1000)"],
            chartPages: ["As in the paper: SHMn, MSGn, Server", "Each figure: wall-clock time"], expectedPanels: panels);
        Assert.True(failures.Count == 0, Describe(failures, inspection));
        // The title page and the table-only page draw no curve: the chart check tells charts from text.
        Assert.True(inspection.PageMentioning("Paper Tables 1-3: LRPC")!.Panels.Count == 0);
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
        var failures = PdfVerdict.Failures(inspection, 3, ["run-a", "run-b", "Fig 1 (paper Fig 3)"], ["As in the paper: SHMn, MSGn, Server"],
            PdfInspection.PanelsIn(File.ReadAllText(Path.Combine(outDir, "report.html"))));
        Assert.True(failures.Count == 0, Describe(failures, inspection));
        var page = inspection.PageStats[0];
        Assert.True(page.Width > page.Height, $"expected landscape pages, got {page.Width}x{page.Height}");
    }

    /// <summary>The committed runs, rendered afresh: what a user gets from `report --run` on real results.</summary>
    [Theory]
    [InlineData("vm-20261126T154154Z")]
    [InlineData("device-16core-intel-xeon-20261126T1515Z")]
    public void Pdf_of_a_committed_run_has_data_in_every_panel_and_no_half_empty_page(string run)
    {
        RequireTools();
        string? root = RepositoryRoot.FindFrom(AppContext.BaseDirectory);
        Assert.NotNull(root);
        string runDir = Path.Combine(root!, "Results", run);
        Assert.SkipUnless(Directory.Exists(runDir), $"{runDir} is not in this checkout");
        using var fx = new FixtureRun();
        string outDir = Path.Combine(fx.Root, "report");
        var r = ReportProcess.Run("--run", runDir, "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        int panels = PdfInspection.PanelsIn(File.ReadAllText(Path.Combine(outDir, "report.html")));
        Assert.True(panels >= 10, $"only {panels} panels drawn");
        var inspection = PdfInspection.Run(Path.Combine(outDir, "report.pdf"), Path.Combine(fx.Root, "png"));
        var failures = PdfVerdict.Failures(inspection, 5,
            ["The paper's claims in this run", "The figures at a glance", "Fig 1 (paper Fig 3)", "Fig 3 (paper Fig 6)", "Fig 3 (paper Fig 7)",
                "Fig 4 (paper Fig 9)", "Paper Section 5.4"],
            ["As in the paper: SHMn, MSGn, Server", "Shootdown latency per protocol"], panels);
        Assert.True(failures.Count == 0, Describe(failures, inspection));
    }

    /// <summary>The checks can fail: an empty plot area and a half-empty page in the middle of a chapter are both reported.</summary>
    [Fact]
    public async Task A_process_Chromium_leaves_behind_with_its_output_open_does_not_hold_the_print_past_its_timeout()
    {
        // Chromium's helper processes inherit its stdout and stderr; one that outlives the browser kept Print reading
        // until it ended, whatever the timeout. A stand-in browser writes the PDF, leaves "sleep 300" behind and exits 0.
        using var fx = new FixtureRun();
        string fake = Path.Combine(fx.Root, "fake-chromium"), pidFile = Path.Combine(fx.Root, "helper.pid");
        File.WriteAllText(fake, $$"""
            #!/bin/sh
            for a; do case "$a" in --print-to-pdf=*) pdf="${a#--print-to-pdf=}";; esac; done
            sleep 300 &
            echo $! > '{{pidFile}}'
            { printf '%%PDF-1.4\n'; head -c 2000 /dev/zero | tr '\0' ' '; printf '\n%%%%EOF\n'; } > "$pdf"
            exit 0
            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string html = Path.Combine(fx.Root, "a.html"), pdf = Path.Combine(fx.Root, "a.pdf");
        File.WriteAllText(html, "<!DOCTYPE html><html><body>a</body></html>");
        var print = Task.Run(() => new ChromiumPdfPrinter(fake, TimeSpan.FromSeconds(2)).Print(html, pdf), TestContext.Current.CancellationToken);
        try
        {
            // A bound on a hang, not a timing: the print's own limit is 2 s, the helper lives 300 s.
            var first = await Task.WhenAny(print, Task.Delay(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
            Assert.True(first == print, "Print still reading Chromium's output 60 s after Chromium exited (timeout 2 s)");
        }
        finally
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int helper))
                try { System.Diagnostics.Process.GetProcessById(helper).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        }
        await print;
        Assert.StartsWith("%PDF-", File.ReadAllText(pdf));
    }

    /// <summary>
    /// A PDF cut short (the header and enough bytes, but no end-of-file marker: a full disk, a killed writer) is refused
    /// naming the file, not put in place as the report; the same file with its marker is taken.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_PDF_without_its_end_of_file_marker_is_refused_as_cut_short(bool whole)
    {
        using var fx = new FixtureRun();
        string fake = Path.Combine(fx.Root, "fake-chromium");
        string trailer = whole ? "printf '\\n%%%%EOF\\n';" : "";
        File.WriteAllText(fake, $$"""
            #!/bin/sh
            for a; do case "$a" in --print-to-pdf=*) pdf="${a#--print-to-pdf=}";; esac; done
            { printf '%%PDF-1.4\n'; head -c 4000 /dev/zero | tr '\0' ' '; {{trailer}} } > "$pdf"
            exit 0
            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string html = Path.Combine(fx.Root, "a.html"), pdf = Path.Combine(fx.Root, "a.pdf");
        File.WriteAllText(html, "<!DOCTYPE html><html><body>a</body></html>");
        var printer = new ChromiumPdfPrinter(fake, TimeSpan.FromSeconds(30));
        if (whole) printer.Print(html, pdf, TestContext.Current.CancellationToken);
        else Assert.Contains("cut short", Assert.Throws<PdfException>(() => printer.Print(html, pdf, TestContext.Current.CancellationToken)).Message);
    }

    [Fact]
    public void The_checker_reports_an_empty_panel_and_a_half_empty_page()
    {
        RequireTools();
        using var fx = new FixtureRun();
        string html = Path.Combine(fx.Root, "bad.html");
        string bg = PdfCheck.PanelFinder.PlotBackground;
        File.WriteAllText(html, $$"""
            <!DOCTYPE html><html><head><style>@page { size: A4; margin: 12mm; } body { font-family: sans-serif; }</style></head><body>
            <h2 style="font-size: 15pt">A chapter</h2>
            <p>A panel with a curve, then one with nothing plotted.</p>
            <div style="width: 300px; height: 160px; background: {{bg}}; position: relative">
              <div style="position: absolute; left: 40px; top: 80px; width: 200px; height: 6px; background: #d62728"></div></div>
            <div style="width: 300px; height: 160px; background: {{bg}}; margin-top: 20px"></div>
            <p style="break-before: page">The same chapter goes on here, so the first page should not have been left half empty.</p>
            </body></html>
            """);
        string pdf = Path.Combine(fx.Root, "bad.pdf");
        new ChromiumPdfPrinter(ChromiumPdfPrinter.Find()!, TimeSpan.FromMinutes(3)).Print(html, pdf, TestContext.Current.CancellationToken);
        var inspection = PdfInspection.Run(pdf, Path.Combine(fx.Root, "png"));
        var panelFailures = PdfVerdict.PanelFailures(inspection, expected: 3);
        Assert.Equal(2, panelFailures.Count);
        Assert.Contains("no plotted data in the panel", panelFailures[0]);
        Assert.Contains("found 2 chart panels on the pages, but the report drew 3", panelFailures[1]);
        var empty = Assert.Single(PdfVerdict.EmptyPageFailures(inspection));
        Assert.Contains("page 1 is more than half empty", empty);
    }
}

using System.CommandLine;
using Report;
using Report.Input;
using Report.Paper;
using Report.Pdf;

// report --run DIR [--out DIR] [--paper-values PATH] [--no-pdf]
// report --compare RUN_A RUN_B [--out DIR] [--paper-values PATH] [--no-pdf]
// Exit codes: 0 written; 1 bad input (message names the path and the problem; nothing is changed);
// 2 bad command line; 3 report.html written but no PDF (Chromium missing or failed).

var run = new Option<string?>("--run") { Description = "run folder to report on: Results/<host>-<timestamp>/ with one sub-folder per experiment" };
var outDir = new Option<string?>("--out") { Description = "folder for report.html and report.pdf (default: the run folder; with --compare: <parent of RUN_A>/compare-<A>-vs-<B>)" };
var paperValues = new Option<string?>("--paper-values") { Description = $"paper-values.csv to overlay (default: {PaperValues.SharedRelativePath} beside the repository if present, else the copy built into this program)" };
var compare = new Option<string[]>("--compare")
{
    Description = "two run folders to put side by side: --compare RUN_A RUN_B",
    Arity = new ArgumentArity(2, 2),
    AllowMultipleArgumentsPerToken = true,
};
var noPdf = new Option<bool>("--no-pdf") { Description = "write report.html only (no Chromium needed)" };

var root = new RootCommand("Builds the report of a run of the Multikernel reproduction suite: report.html (offline, plotly.js inlined) and report.pdf (headless Chromium).");
foreach (var o in new Option[] { run, outDir, paperValues, compare, noPdf }) root.Options.Add(o);
root.Validators.Add(r =>
{
    // GetResult, not GetValue: a value that failed its own arity check must not be converted here.
    bool hasRun = r.GetResult(run) is not null, hasCompare = r.GetResult(compare) is not null;
    if (hasRun && hasCompare) r.AddError("--run and --compare exclude each other: give one run folder with --run, or two with --compare RUN_A RUN_B");
    else if (!hasRun && !hasCompare) r.AddError("missing --run DIR (or --compare RUN_A RUN_B)");
});
root.SetAction(pr =>
{
    try
    {
        var paper = PaperValues.Load(pr.GetValue(paperValues));
        string html, target;
        if (pr.GetValue(compare) is { Length: 2 } pair)
        {
            var a = RunFolder.Load(pair[0]);
            var b = RunFolder.Load(pair[1]);
            html = CompareDocument.Build(a, b, paper);
            target = pr.GetValue(outDir) ?? Path.Combine(Path.GetDirectoryName(a.Path)!, $"compare-{a.Name}-vs-{b.Name}");
        }
        else
        {
            var r = RunFolder.Load(pr.GetValue(run)!);
            html = ReportDocument.Build(r, paper);
            target = pr.GetValue(outDir) ?? r.Path;
        }
        ChromiumPdfPrinter? printer = null;
        string? noPrinter = null;
        if (!pr.GetValue(noPdf))
        {
            string? chromium = ChromiumPdfPrinter.Find();
            if (chromium is null)
                noPrinter = $"no Chromium found (looked for ${ChromiumPdfPrinter.ChromiumVariable}, then chromium, chromium-browser, google-chrome on PATH); "
                    + "install it with scripts/install-deps.sh run (as root), or pass --no-pdf";
            else printer = new ChromiumPdfPrinter(chromium, TimeSpan.FromMinutes(3));
        }
        var written = ReportOutput.Write(Path.GetFullPath(target), html, printer);
        Console.WriteLine($"report: wrote {written.HtmlPath}");
        if (written.PdfPath is not null) Console.WriteLine($"report: wrote {written.PdfPath}");
        if (noPrinter is not null)
        {
            Console.Error.WriteLine($"report: error: report.pdf not written: {noPrinter}");
            return 3;
        }
        return 0;
    }
    catch (ReportInputException e)
    {
        Console.Error.WriteLine($"report: error: {e.Message}");
        Console.Error.WriteLine("report: nothing was written or deleted.");
        return 1;
    }
    catch (PdfException e)
    {
        Console.Error.WriteLine($"report: error: report.html was written, but report.pdf was not (an earlier report.pdf, if any, is unchanged): {e.Message}");
        return 3;
    }
});
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine($"report: error: {e.Message}");
    Console.Error.WriteLine("usage: report --run DIR [--out DIR] [--paper-values PATH] [--no-pdf] | report --compare RUN_A RUN_B [--out DIR] ...  (report --help)");
    return 2;
}
return parsed.Invoke();

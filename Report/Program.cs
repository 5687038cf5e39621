using System.CommandLine;
using System.Runtime.InteropServices;
using Report;
using Report.History;
using Report.Paper;
using Report.Pdf;

// report --run DIR [--out DIR] [--history CSV] [--paper-values PATH] [--no-pdf]
// report --compare RUN_A RUN_B [--out DIR] [--history CSV] [--paper-values PATH] [--no-pdf]
// report --history CSV --out DIR [--no-pdf]
// Exit codes: 0 written; 1 bad input (message names the path and the problem; nothing is changed);
// 2 bad command line or an output folder that cannot be written (one line naming the path); 3 report.html written
// but no PDF (Chromium missing or failed); 128 + the signal's number (130 SIGINT, 143 SIGTERM, 129 SIGHUP) when a
// signal stopped it while it wrote the report (with or without a PDF): Chromium, if it was printing, killed, the
// temporary files removed, nothing put in place.

var run = new Option<string?>("--run") { Description = "run folder to report on: Results/<host>-<timestamp>/ with one sub-folder per experiment" };
var outDir = new Option<string?>("--out") { Description = "folder for report.html and report.pdf (default: the run folder; with --compare: <parent of RUN_A>/compare-<A>-vs-<B>; required with --history alone)" };
var paperValues = new Option<string?>("--paper-values") { Description = $"paper-values.csv to overlay (default: {PaperValues.SharedRelativePath} beside the repository if present, else the copy built into this program)" };
var compare = new Option<string[]>("--compare")
{
    Description = "two run folders to put side by side: --compare RUN_A RUN_B",
    Arity = new ArgumentArity(1, 2), // one is accepted by the parser and refused below, with a message that says two
    AllowMultipleArgumentsPerToken = true,
};
compare.Validators.Add(r =>
{
    if (r.Tokens.Count == 1) r.AddError($"--compare needs two run folders (--compare RUN_A RUN_B), got one: '{r.Tokens[0].Value}'");
});
var history = new Option<string?>("--history") { Description = "URPC latency history CSV (Results/urpc-history.csv, or urpc-history.csv of the CI's bench-history branch): adds a chapter with its chart per commit" };
var noPdf = new Option<bool>("--no-pdf") { Description = "write report.html only (no Chromium needed)" };

var root = new RootCommand("Builds the report of a run of the Multikernel reproduction suite: report.html (offline, plotly.js inlined) and report.pdf (headless Chromium).");
foreach (var o in new Option[] { run, outDir, paperValues, compare, history, noPdf }) root.Options.Add(o);
root.Validators.Add(r =>
{
    // GetResult, not GetValue: a value that failed its own arity check must not be converted here.
    bool hasRun = r.GetResult(run) is not null, hasCompare = r.GetResult(compare) is not null, hasHistory = r.GetResult(history) is not null;
    if (hasRun && hasCompare) r.AddError("--run and --compare exclude each other: give one run folder with --run, or two with --compare RUN_A RUN_B");
    else if (!hasRun && !hasCompare && !hasHistory) r.AddError("missing --run DIR (or --compare RUN_A RUN_B, or --history CSV --out DIR)");
    else if (!hasRun && !hasCompare && r.GetResult(outDir) is null) r.AddError("--history without --run or --compare needs --out DIR (the folder for its report)");
    else if (!hasRun && !hasCompare && r.GetResult(paperValues) is not null)
        r.AddError("--paper-values: the history-only report (--history without --run or --compare) has no figures to overlay the paper's values on; drop --paper-values, or add --run DIR");
});
root.SetAction(pr =>
{
    string? outArg = pr.GetValue(outDir);
    foreach (var (option, value, what) in PathValues(pr))
    {
        if (string.IsNullOrWhiteSpace(value)) return Fail(2, $"{option}: empty path; give {what}");
        // The parser hands an option whose value was left out the next token, even another option ("--out --no-pdf").
        if (value.StartsWith('-'))
            return Fail(2, $"{option}: '{value}' looks like an option, not a path (was the path left out?); it needs {what}; for a path of that name write ./{value}");
    }
    try
    {
        var paper = PaperValues.Load(pr.GetValue(paperValues));
        var hist = pr.GetValue(history) is { } h ? HistoryInput.Load(h) : null;
        string target;
        Func<string, string> build;
        IReadOnlyList<RunFolder> read;
        if (pr.GetValue(compare) is { Length: 2 } pair)
        {
            var a = RunFolder.Load(pair[0]);
            var b = RunFolder.Load(pair[1]);
            target = Path.GetFullPath(outArg ?? Path.Combine(Path.GetDirectoryName(a.Path)!, $"compare-{a.Name}-vs-{b.Name}"));
            build = dir => CompareDocument.Build(a, b, paper, dir, hist);
            read = [a, b];
        }
        else if (pr.GetValue(run) is { } runDir)
        {
            var r = RunFolder.Load(runDir);
            target = Path.GetFullPath(outArg ?? r.Path);
            build = dir => ReportDocument.Build(r, paper, dir, hist);
            read = [r];
        }
        else
        {
            target = Path.GetFullPath(outArg!);
            build = _ => ReportDocument.BuildHistoryOnly(hist!);
            read = [];
        }
        foreach (var runFolder in read)
            if (OutputFolder.InsideRun(target, runFolder.Path) is { } inside) return Fail(2, inside);
        if (OutputFolder.Problem(target, "--out") is { } problem) return Fail(2, problem);
        string html = build(target);

        ChromiumPdfPrinter? printer = null;
        string? noPrinter = null;
        if (!pr.GetValue(noPdf))
        {
            string? chromium = ChromiumPdfPrinter.Find();
            if (chromium is null)
                noPrinter = $"{ChromiumPdfPrinter.NotFoundReason()}; install Chromium with scripts/install-deps.sh run (as root), or pass --no-pdf";
            else printer = new ChromiumPdfPrinter(chromium, TimeSpan.FromMinutes(3));
        }
        ReportOutput.Result written;
        // Until here a signal ends the process at once (nothing of the report is written yet). While the report is
        // written it stops Chromium and removes the temporary files first: a killed report would leave Chromium
        // running and its temporary HTML (megabytes of inlined plotly.js) in the output folder.
        using var stop = new CancellationTokenSource();
        PosixSignal? stoppedBy = null;
        void OnSignal(PosixSignalContext c) { stoppedBy ??= c.Signal; c.Cancel = true; stop.Cancel(); }
        var signals = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }
            .Select(sig => PosixSignalRegistration.Create(sig, OnSignal)).ToList();
        try { written = ReportOutput.Write(target, html, printer, stop.Token); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return Fail(2, $"cannot write the report into {target} ({e.Message.TrimEnd('.')})");
        }
        catch (OperationCanceledException) when (stoppedBy is { } signal)
        {
            var (name, code) = signal switch { PosixSignal.SIGINT => ("SIGINT", 130), PosixSignal.SIGHUP => ("SIGHUP", 129), _ => ("SIGTERM", 143) };
            return Fail(code, $"stopped by {name} while writing the report: {(printer is null ? "" : "Chromium stopped, ")}temporary files removed; report.html and report.pdf in {target} are as they were");
        }
        finally { foreach (var r in signals) r.Dispose(); }
        Console.WriteLine($"report: wrote {written.HtmlPath}");
        if (written.PdfPath is not null) Console.WriteLine($"report: wrote {written.PdfPath}");
        // A report.pdf of an earlier report stays beside the new report.html without one (--no-pdf, or no Chromium):
        // whoever takes it must be told that it does not show this report.
        else if (Path.Combine(target, ReportOutput.PdfName) is var stale && File.Exists(stale))
            Console.Error.WriteLine($"report: warning: {stale} is from an earlier report and was left as it was: it does not show this report.html");
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
// "--out=" with nothing after it is an empty path, not a missing value: the same one-line error as --out "".
if (args.Any(a => a.StartsWith("--out=", StringComparison.Ordinal) && string.IsNullOrWhiteSpace(a["--out=".Length..])))
    return Fail(2, "--out: empty path; give the folder for report.html and report.pdf");
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine($"report: error: {e.Message}");
    Console.Error.WriteLine("usage: report --run DIR [--out DIR] [--history CSV] [--paper-values PATH] [--no-pdf] | report --compare RUN_A RUN_B [--out DIR] ... | report --history CSV --out DIR  (report --help)");
    return 2;
}
return parsed.Invoke();

// Each path option given, with its value and what it names: --compare gives two.
IEnumerable<(string Option, string Value, string What)> PathValues(ParseResult pr)
{
    if (pr.GetValue(run) is { } r) yield return ("--run", r, "the run folder to report on");
    foreach (var c in pr.GetValue(compare) ?? []) yield return ("--compare", c, "two run folders: --compare RUN_A RUN_B");
    if (pr.GetValue(outDir) is { } o) yield return ("--out", o, "the folder for report.html and report.pdf");
    if (pr.GetValue(paperValues) is { } p) yield return ("--paper-values", p, "the paper-values.csv to overlay, or leave the option out for the default");
    if (pr.GetValue(history) is { } h) yield return ("--history", h, "the history CSV (e.g. Results/urpc-history.csv)");
}

static int Fail(int code, string message)
{
    Console.Error.WriteLine($"report: error: {message}");
    return code;
}

using PdfCheck;

// pdfcheck PDF [--min-pages N] [--expect TEXT]... [--chart TEXT]... [--html REPORT.HTML] [--png-dir DIR]
//   --expect TEXT  the text layer must contain TEXT (whitespace ignored)
//   --chart TEXT   the first page that mentions TEXT must show chart-coloured pixels (a plot with data)
//   --html FILE    the report.html the PDF was printed from: every chart panel it draws must be found on the pages
// Every page must be non-blank; every chart panel found must show plotted data in its plot area; no page may be more
// than half empty unless it is the last of a chapter. Exit 0 when all checks pass, 1 when one fails, 2 on bad usage.
if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: pdfcheck PDF [--min-pages N] [--expect TEXT]... [--chart TEXT]... [--html REPORT.HTML] [--png-dir DIR]");
    return 2;
}
string pdf = args[0];
int minPages = 1;
var expect = new List<string>();
var charts = new List<string>();
string? html = null;
string pngDir = Path.Combine(Path.GetTempPath(), $"pdfcheck-{Environment.ProcessId}");
for (int i = 1; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    try
    {
        switch (args[i])
        {
            case "--min-pages": minPages = int.Parse(Next()); break;
            case "--expect": expect.Add(Next()); break;
            case "--chart": charts.Add(Next()); break;
            case "--png-dir": pngDir = Next(); break;
            case "--html": html = Next(); break;
            default: Console.Error.WriteLine($"pdfcheck: unknown option {args[i]}"); return 2;
        }
    }
    catch (Exception e) when (e is ArgumentException or FormatException) { Console.Error.WriteLine($"pdfcheck: {e.Message}"); return 2; }
}
if (!File.Exists(pdf)) { Console.Error.WriteLine($"pdfcheck: {pdf} does not exist"); return 1; }

if (html is not null && !File.Exists(html)) { Console.Error.WriteLine($"pdfcheck: --html {html} does not exist"); return 1; }
var report = PdfInspection.Run(pdf, pngDir);
var failures = PdfVerdict.Failures(report, minPages, expect, charts, html is null ? null : PdfInspection.PanelsIn(File.ReadAllText(html)));
foreach (var p in report.PageStats) Console.WriteLine(p);
Console.WriteLine($"PNG pages in {report.PngDirectory}");
foreach (var f in failures) Console.Error.WriteLine($"pdfcheck: FAIL: {f}");
Console.WriteLine(failures.Count == 0 ? $"pdfcheck: OK: {report.Pages} pages, all checks passed" : $"pdfcheck: {failures.Count} check(s) failed");
return failures.Count == 0 ? 0 : 1;

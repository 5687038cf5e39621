using PdfCheck;

// pdfcheck PDF [--min-pages N] [--expect TEXT]... [--chart TEXT]... [--png-dir DIR]
//   --expect TEXT  the text layer must contain TEXT (whitespace ignored)
//   --chart TEXT   the first page that mentions TEXT must show chart-coloured pixels (a plot with data)
// Every page must be non-blank. Exit 0 when all checks pass, 1 when one fails, 2 on bad usage.
if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: pdfcheck PDF [--min-pages N] [--expect TEXT]... [--chart TEXT]... [--png-dir DIR]");
    return 2;
}
string pdf = args[0];
int minPages = 1;
var expect = new List<string>();
var charts = new List<string>();
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
            default: Console.Error.WriteLine($"pdfcheck: unknown option {args[i]}"); return 2;
        }
    }
    catch (Exception e) when (e is ArgumentException or FormatException) { Console.Error.WriteLine($"pdfcheck: {e.Message}"); return 2; }
}
if (!File.Exists(pdf)) { Console.Error.WriteLine($"pdfcheck: {pdf} does not exist"); return 1; }

var report = PdfInspection.Run(pdf, pngDir);
var failures = PdfVerdict.Failures(report, minPages, expect, charts);
foreach (var p in report.PageStats) Console.WriteLine(p);
Console.WriteLine($"PNG pages in {report.PngDirectory}");
foreach (var f in failures) Console.Error.WriteLine($"pdfcheck: FAIL: {f}");
Console.WriteLine(failures.Count == 0 ? $"pdfcheck: OK: {report.Pages} pages, all checks passed" : $"pdfcheck: {failures.Count} check(s) failed");
return failures.Count == 0 ? 0 : 1;

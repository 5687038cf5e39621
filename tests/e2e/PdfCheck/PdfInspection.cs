using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PdfCheck;

/// <summary>
/// Looks at a PDF the way a reader would, with poppler-utils: the page count (pdfinfo), the text of each page
/// (pdftotext), and each page rendered to PNG (pdftoppm) with its <see cref="PageStats"/>.
/// </summary>
public sealed class PdfInspection
{
    public string Pdf { get; }
    public int Pages { get; }
    public IReadOnlyList<PageStats> PageStats { get; }
    public string PngDirectory { get; }

    PdfInspection(string pdf, int pages, IReadOnlyList<PageStats> stats, string pngDir) { Pdf = pdf; Pages = pages; PageStats = stats; PngDirectory = pngDir; }

    public static readonly string[] Tools = ["pdfinfo", "pdftotext", "pdftoppm"];

    /// <summary>The poppler tools that are not on PATH.</summary>
    public static IReadOnlyList<string> MissingTools() =>
        Tools.Where(t => !(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, t)))).ToList();

    /// <summary>Inspects <paramref name="pdf"/>, rendering pages at <paramref name="dpi"/> into <paramref name="pngDir"/>.</summary>
    public static PdfInspection Run(string pdf, string pngDir, int dpi = 72)
    {
        var missing = MissingTools();
        if (missing.Count > 0)
            throw new InvalidOperationException($"missing {string.Join(", ", missing)} (Debian package poppler-utils): run scripts/install-deps.sh test as root");
        string info = Tool("pdfinfo", pdf);
        var m = Regex.Match(info, @"^Pages:\s+(\d+)", RegexOptions.Multiline);
        if (!m.Success) throw new InvalidDataException($"pdfinfo {pdf}: no page count in its output:\n{info}");
        int pages = int.Parse(m.Groups[1].Value);
        Directory.CreateDirectory(pngDir);
        foreach (var stale in Directory.GetFiles(pngDir, "page-*.png")) File.Delete(stale); // from an earlier check into the same folder
        string prefix = Path.Combine(pngDir, "page");
        Tool("pdftoppm", "-png", "-r", dpi.ToString(), pdf, prefix);
        var pngs = Directory.GetFiles(pngDir, "page-*.png").OrderBy(p => int.Parse(Regex.Match(Path.GetFileName(p), @"(\d+)").Value)).ToList();
        if (pngs.Count != pages) throw new InvalidDataException($"pdftoppm wrote {pngs.Count} PNG files for {pages} pages");
        var stats = new List<PageStats>();
        for (int i = 0; i < pages; i++)
        {
            string text = Tool("pdftotext", "-f", $"{i + 1}", "-l", $"{i + 1}", "-layout", pdf, "-");
            string boxes = Tool("pdftotext", "-f", $"{i + 1}", "-l", $"{i + 1}", "-bbox", pdf, "-");
            stats.Add(PdfCheck.PageStats.Of(i + 1, PngImage.Load(pngs[i]), new FileInfo(pngs[i]).Length, text, FirstLineHeight(boxes)));
        }
        return new PdfInspection(pdf, pages, stats, pngDir);
    }

    /// <summary>The chart panels a report.html draws (each is a div with class "panel" and a data-panel attribute).</summary>
    public static int PanelsIn(string html) => Regex.Matches(html, "<div class=\"panel\" data-panel=").Count;

    /// <summary>Height in points of the topmost word of a page in pdftotext -bbox output (0 when the page has no text).</summary>
    public static double FirstLineHeight(string bboxHtml)
    {
        var words = Regex.Matches(bboxHtml, @"<word xMin=""([\d.]+)"" yMin=""([\d.]+)"" xMax=""([\d.]+)"" yMax=""([\d.]+)"">")
            .Select(m => (Top: double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
                          Bottom: double.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        if (words.Count == 0) return 0;
        double top = words.Min(w => w.Top);
        return words.Where(w => w.Top <= top + 1).Max(w => w.Bottom - w.Top);
    }

    /// <summary>All text with whitespace removed, so that a heading broken across lines still matches.</summary>
    public string CompactText => Compact(string.Concat(PageStats.Select(p => p.Text)));

    public static string Compact(string s) => Regex.Replace(s, @"\s+", "");

    public bool Mentions(string phrase) => CompactText.Contains(Compact(phrase), StringComparison.Ordinal);

    /// <summary>The first page whose text mentions <paramref name="phrase"/>, or null.</summary>
    public PageStats? PageMentioning(string phrase) =>
        PageStats.FirstOrDefault(p => Compact(p.Text).Contains(Compact(phrase), StringComparison.Ordinal));

    static string Tool(string name, params string[] args)
    {
        var psi = new ProcessStartInfo(name) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {name}");
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{name} {string.Join(' ', args)} exited {p.ExitCode}: {err.Result}");
        return output;
    }
}

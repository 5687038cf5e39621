using System.Diagnostics;

namespace Report.Pdf;

/// <summary>
/// Prints an HTML file to PDF with headless Chromium: a fresh throw-away profile, no network services, no
/// header or footer, and a virtual-time budget so that the charts' scripts have run before the page is printed.
/// </summary>
public sealed class ChromiumPdfPrinter(string chromium, TimeSpan timeout)
{
    public string Chromium { get; } = chromium;

    /// <summary>Environment variable that names the browser to use instead of searching PATH.</summary>
    public const string ChromiumVariable = "REPRO_CHROMIUM";

    static readonly string[] Candidates = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

    /// <summary>The browser from $REPRO_CHROMIUM, else the first of chromium/chromium-browser/google-chrome on PATH; null if none.</summary>
    public static string? Find()
    {
        string? env = Environment.GetEnvironmentVariable(ChromiumVariable);
        if (!string.IsNullOrWhiteSpace(env)) return File.Exists(env) ? env : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in Candidates)
            {
                string p = Path.Combine(dir, name);
                if (File.Exists(p)) return p;
            }
        return null;
    }

    /// <summary>Why <see cref="Find"/> found no browser, in the words of what it looked at: the file $REPRO_CHROMIUM
    /// names when it is set (PATH is then not searched), else the names on PATH.</summary>
    public static string NotFoundReason()
    {
        string? env = Environment.GetEnvironmentVariable(ChromiumVariable);
        return !string.IsNullOrWhiteSpace(env)
            ? $"${ChromiumVariable} names {env}, which does not exist (while it is set, PATH is not searched): point it at a Chromium or unset it"
            : $"no Chromium found ({string.Join(", ", Candidates)} on PATH; or name one with ${ChromiumVariable})";
    }

    /// <summary>The arguments, one per element (also shown in error messages so the call can be repeated by hand).</summary>
    public static IReadOnlyList<string> Arguments(string htmlPath, string pdfPath, string profileDir) =>
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
        $"--user-data-dir={profileDir}",
        "--no-pdf-header-footer",
        "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=30000",
        $"--print-to-pdf={pdfPath}",
        new Uri(htmlPath).AbsoluteUri,
    ];

    /// <summary>
    /// Prints <paramref name="htmlPath"/> to <paramref name="pdfPath"/>; throws <see cref="PdfException"/> with Chromium's
    /// output on failure. When <paramref name="cancel"/> is cancelled (a signal asked the report to stop) Chromium and every
    /// process it started are killed, its profile folder deleted, and <see cref="OperationCanceledException"/> thrown.
    /// </summary>
    public void Print(string htmlPath, string pdfPath, CancellationToken cancel = default)
    {
        string profile = Directory.CreateTempSubdirectory("report-chromium-").FullName;
        try
        {
            var psi = new ProcessStartInfo(Chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in Arguments(htmlPath, pdfPath, profile)) psi.ArgumentList.Add(a);
            psi.Environment["HOME"] = profile; // keeps Chromium's crash and config folders out of the user's home
            var clock = Stopwatch.StartNew();
            Process? started;
            try { started = Process.Start(psi); }
            catch (System.ComponentModel.Win32Exception e)
            {
                // Not executable, not a program, a missing interpreter: no PDF, but the report's HTML still stands.
                throw new PdfException($"could not start {Chromium} ({e.Message}). Command: {Describe(htmlPath, pdfPath, profile)}");
            }
            using var p = started ?? throw new PdfException($"could not start {Chromium}");
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            while (!p.WaitForExit(TimeSpan.FromMilliseconds(100)))
            {
                if (!cancel.IsCancellationRequested && clock.Elapsed < timeout) continue;
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                cancel.ThrowIfCancellationRequested();
                throw new PdfException($"{Chromium} did not finish within {timeout.TotalSeconds:0} s; killed it. Command: {Describe(htmlPath, pdfPath, profile)}");
            }
            // Chromium's helper processes inherit its stdout and stderr and may outlive it: its output is read until
            // the timeout at most, never until the last of them ends.
            var left = timeout - clock.Elapsed;
            string output = Task.WaitAll([stdout, stderr], left > TimeSpan.Zero ? left : TimeSpan.Zero)
                ? (stdout.Result + stderr.Result).Trim()
                : "(Chromium's output is not shown: a process it started still holds it open)";
            if (p.ExitCode != 0)
                throw new PdfException($"{Chromium} exited with code {p.ExitCode}. Command: {Describe(htmlPath, pdfPath, profile)}\n{Last(output, 40)}");
            if (!File.Exists(pdfPath) || new FileInfo(pdfPath).Length < 1000)
                throw new PdfException($"{Chromium} exited 0 but wrote no PDF at {pdfPath}. Command: {Describe(htmlPath, pdfPath, profile)}\n{Last(output, 40)}");
            using var f = File.OpenRead(pdfPath);
            Span<byte> head = stackalloc byte[5];
            if (f.Read(head) != 5 || !head.SequenceEqual("%PDF-"u8))
                throw new PdfException($"{pdfPath}: Chromium wrote a file that is not a PDF");
            // A whole PDF ends with its trailer's end-of-file marker (within the last bytes, before a line end): one cut
            // short (a full disk, a killed writer) has the header and passes the size check but no reader opens it.
            Span<byte> tail = stackalloc byte[1024];
            f.Seek(-Math.Min(tail.Length, f.Length), SeekOrigin.End);
            int read = f.ReadAtLeast(tail, (int)Math.Min(tail.Length, f.Length));
            if (tail[..read].LastIndexOf("%%EOF"u8) < 0)
                throw new PdfException($"{pdfPath}: Chromium wrote a PDF without its end-of-file marker (%%EOF in the last {read} bytes): cut short");
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    string Describe(string html, string pdf, string profile) =>
        Chromium + " " + string.Join(' ', Arguments(html, pdf, profile));

    static string Last(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}

using Report.Pdf;

namespace Report;

/// <summary>
/// Writes report.html and report.pdf into a folder so that a reader never sees a half-written file: both are
/// made under temporary names in the same folder and renamed into place. The PDF is printed from the
/// temporary HTML; if printing fails the new report.html is still put in place and an earlier report.pdf is
/// left as it was (the error says so). Cancelled (a signal) before both are in place (with or without a PDF, also while
/// the HTML is being written), it puts neither in place, removes its temporary files and throws
/// <see cref="OperationCanceledException"/>.
/// </summary>
public static class ReportOutput
{
    public const string HtmlName = "report.html";
    public const string PdfName = "report.pdf";

    public sealed record Result(string HtmlPath, string? PdfPath);

    public static Result Write(string outDir, string html, ChromiumPdfPrinter? printer, CancellationToken cancel = default) =>
        Write(outDir, s => s.Write(System.Text.Encoding.UTF8.GetBytes(html)), printer, cancel);

    /// <summary>As <see cref="Write(string, string, ChromiumPdfPrinter?, CancellationToken)"/>, the HTML written to a stream by <paramref name="writeHtml"/>.</summary>
    internal static Result Write(string outDir, Action<Stream> writeHtml, ChromiumPdfPrinter? printer, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        Directory.CreateDirectory(outDir);
        string htmlPath = Path.Combine(outDir, HtmlName);
        string pdfPath = Path.Combine(outDir, PdfName);
        string tmpHtml = Path.Combine(outDir, $".report.{Environment.ProcessId}.tmp.html");
        string tmpPdf = Path.Combine(outDir, $".report.{Environment.ProcessId}.tmp.pdf");
        try
        {
            AtomicFile.Write(tmpHtml, writeHtml);
            // A signal during the write (megabytes, flushed to disk) is acted on here, before anything is put in place.
            cancel.ThrowIfCancellationRequested();
            if (printer is null)
            {
                File.Move(tmpHtml, htmlPath, overwrite: true);
                return new Result(htmlPath, null);
            }
            try
            {
                printer.Print(tmpHtml, tmpPdf, cancel);
            }
            catch (PdfException)
            {
                File.Move(tmpHtml, htmlPath, overwrite: true);
                throw;
            }
            cancel.ThrowIfCancellationRequested();
            File.Move(tmpPdf, pdfPath, overwrite: true);
            File.Move(tmpHtml, htmlPath, overwrite: true);
            return new Result(htmlPath, pdfPath);
        }
        finally
        {
            if (File.Exists(tmpHtml)) File.Delete(tmpHtml);
            if (File.Exists(tmpPdf)) File.Delete(tmpPdf);
        }
    }
}

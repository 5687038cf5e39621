namespace Report.Pdf;

public sealed class PdfException(string message) : Exception(message);

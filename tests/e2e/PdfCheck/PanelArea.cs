namespace PdfCheck;

/// <summary>
/// The plot area of one chart panel found on a rendered page (pixel box, inclusive), and how many pixels inside it
/// have a series colour: a panel that plotted data has its curves, markers or bars there; its legend is outside.
/// </summary>
public sealed record PanelArea(int Page, int Left, int Top, int Right, int Bottom, int SeriesPixels)
{
    public int Width => Right - Left + 1;
    public int Height => Bottom - Top + 1;

    public override string ToString() => $"page {Page} panel at ({Left},{Top})-({Right},{Bottom}): {SeriesPixels} series-coloured pixels";
}

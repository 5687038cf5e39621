namespace Report.Catalog;

/// <summary>
/// Which of the paper's values (paper-values.csv) a panel draws on its own axes: those of <see cref="Figure"/> in
/// <see cref="Unit"/>, only where our rows are in that unit too. <see cref="SameAs"/> maps a paper series onto the
/// series of ours that stands for it (same colour), e.g. the paper's "Barrelfish" onto "Multikernel unmap"; a paper
/// series with the name of one of ours matches it without an entry. For bar panels <see cref="Category"/> names the
/// x category the values belong to.
/// </summary>
public sealed record PaperOverlay(string Figure, string Unit, IReadOnlyDictionary<string, string>? SameAs = null, string? Category = null)
{
    public string? OursFor(string paperSeries) =>
        SameAs is not null && SameAs.TryGetValue(paperSeries, out var ours) ? ours : null;
}

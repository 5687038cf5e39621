namespace Report.Catalog;

/// <summary>
/// The title of a figure or chapter: the seed document's figure number (the experiment folders follow it), the
/// paper's own figure, table or section, and the subject. Heading: "Fig 1 (paper Fig 3): subject"; with no seed
/// number "Paper Tables 1-3: subject"; with neither, the subject alone (e.g. work beyond the paper).
/// </summary>
public sealed record FigureTitle(string? Seed, string? Paper, string Subject)
{
    public string Heading => (Seed, Paper) switch
    {
        ({ } s, { } p) => $"{SeedLabel(s)} (paper {p}): {Subject}",
        ({ } s, null) => $"{SeedLabel(s)}: {Subject}",
        (null, { } p) => $"Paper {p}: {Subject}",
        _ => Subject,
    };

    /// <summary>"Fig 1", or "Figs 4-8" for a range, "Figs 4, 6" for a list.</summary>
    public static string SeedLabel(string seed) => seed.Contains('-') || seed.Contains(',') ? $"Figs {seed}" : $"Fig {seed}";
}

namespace Report.Catalog;

/// <summary>
/// What the report knows about one experiment folder: its title, and the figures its rows are drawn in. The
/// figures may depend on the rows (compute: one figure per benchmark present). Rows that no panel selects are
/// still shown, in a generic "other rows" figure, so that new series never disappear silently.
/// </summary>
/// <see cref="Intro"/> (may be empty) says once what all its figures share, e.g. the compute runtimes.
public sealed record ChapterSpec(string Folder, FigureTitle Title, Func<IReadOnlyList<ResultRow>, IReadOnlyList<FigureSpec>> FiguresFor, string Intro = "")
{
    /// <summary>
    /// The heading for the figures present. A chapter whose seed number is a range (compute: Figs 4-8) names the
    /// range of the figures present, so a run without SPLASH-2 rows is not titled as if it had them.
    /// </summary>
    public string HeadingFor(IReadOnlyList<FigureSpec> present)
    {
        if (Title.Seed is null || !Title.Seed.Contains('-')) return Title.Heading;
        var seeds = present.Select(f => int.TryParse(f.Title.Seed, out int n) ? n : (int?)null).ToList();
        if (seeds.Count == 0 || seeds.Any(s => s is null)) return Title.Heading;
        int lo = seeds.Min()!.Value, hi = seeds.Max()!.Value;
        return (Title with { Seed = lo == hi ? $"{lo}" : $"{lo}-{hi}" }).Heading;
    }
}

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
    /// figures present (ranges of consecutive numbers, e.g. "Figs 4, 6-8"), so a run without some benchmarks' rows is
    /// not titled as if it had them.
    /// </summary>
    public string HeadingFor(IReadOnlyList<FigureSpec> present)
    {
        if (Title.Seed is null || !Title.Seed.Contains('-')) return Title.Heading;
        var seeds = present.Select(f => int.TryParse(f.Title.Seed, out int n) ? n : (int?)null).ToList();
        if (seeds.Count == 0 || seeds.Any(s => s is null)) return Title.Heading;
        // Consecutive numbers as a range, gaps as a list: CG and IS (Figs 4 and 6) are "4, 6", not "4-6", which names FT's.
        var numbers = seeds.Select(s => s!.Value).Distinct().Order().ToList();
        var parts = new List<string>();
        for (int i = 0; i < numbers.Count;)
        {
            int j = i;
            while (j + 1 < numbers.Count && numbers[j + 1] == numbers[j] + 1) j++;
            parts.Add(i == j ? $"{numbers[i]}" : $"{numbers[i]}-{numbers[j]}");
            i = j + 1;
        }
        return (Title with { Seed = string.Join(", ", parts) }).Heading;
    }
}

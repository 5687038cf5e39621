namespace Report.Catalog;

/// <summary>
/// The rows of one experiment folder dealt out to its chapter's figures and panels: each row to the first panel (in
/// figure order, then panel order) that selects it; rows no panel selects to an "other rows" figure at the end.
/// Figures that got no row are left out. Every row of the folder ends up in exactly one panel.
/// </summary>
public static class ChapterContent
{
    public static IReadOnlyList<AssignedFigure> Of(ChapterSpec chapter, IReadOnlyList<ResultRow> rows)
    {
        var figures = chapter.FiguresFor(rows);
        var taken = figures.Select(f => f.Panels.Select(_ => new List<ResultRow>()).ToList()).ToList();
        var rest = new List<ResultRow>();
        foreach (var r in rows)
        {
            bool placed = false;
            for (int f = 0; f < figures.Count && !placed; f++)
                for (int p = 0; p < figures[f].Panels.Count && !placed; p++)
                    if (figures[f].Panels[p].Selects(r)) { taken[f][p].Add(r); placed = true; }
            if (!placed) rest.Add(r);
        }
        var result = new List<AssignedFigure>();
        for (int f = 0; f < figures.Count; f++)
            if (taken[f].Any(p => p.Count > 0))
                result.Add(new AssignedFigure(figures[f], figures[f].Panels.Select((p, i) => new AssignedPanel(p, taken[f][i])).ToList()));
        if (rest.Count > 0)
        {
            bool generic = ExperimentCatalog.Find(chapter.Folder) is null;
            var other = GenericFigures.For(chapter.Folder, generic ? chapter.Title.Heading : $"Other rows of {chapter.Folder}", rest, otherRows: !generic);
            var otherTaken = other.Panels.Select(p => rest.Where(p.Selects).ToList()).ToList();
            result.Add(new AssignedFigure(other, other.Panels.Select((p, i) => new AssignedPanel(p, otherTaken[i])).ToList()));
        }
        return result;
    }
}

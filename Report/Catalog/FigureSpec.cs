using Experiments.Schema;
using Report.Charts;

namespace Report.Catalog;

/// <summary>
/// What the report knows about one experiment folder: the paper figure it reproduces, the caption (what is
/// measured, what is modelled), how its rows split into charts and how each chart is drawn.
/// Rows with the same <see cref="ChartKey"/> share a chart; <see cref="ChartFor"/> gets that key and the unit
/// of the rows (a chart holds one unit) and gives the axes and the paper overlay.
/// </summary>
public sealed record FigureSpec(
    string Experiment,
    string Heading,
    string Measured,
    string Modelled,
    Presentation Presentation,
    Func<ResultRow, string> ChartKey,
    Func<string, string, ChartSpec> ChartFor,
    IReadOnlyList<string> PaperFigures);

namespace Experiments.Schema;

/// <summary>One line of the experiment registry (<c>Experiments/Schema/experiments.tsv</c>): a result folder and what
/// it reproduces. See <see cref="ExperimentRegistry"/>.</summary>
/// <param name="Program">The run-all.sh <c>--only</c> name of the program that writes the folder, e.g. "fig1".</param>
/// <param name="Folder">The result folder under a run folder, also <see cref="ResultRow.Experiment"/>, e.g. "fig1-shared-state".</param>
/// <param name="Project">The program's source folder, e.g. "Experiments/Fig1-SharedState".</param>
/// <param name="SeedFigure">The seed document's figure number or range, e.g. "1" or "4-8"; null where the seed gives none.</param>
/// <param name="PaperFigure">The paper's figure, tables or section, e.g. "Fig 3".</param>
/// <param name="Subject">What it measures, e.g. "updating shared state: shared memory vs messages".</param>
public sealed record RegisteredExperiment(string Program, string Folder, string Project, string? SeedFigure, string PaperFigure, string Subject)
{
    /// <summary>The title, giving both numbers: "Fig 1 (paper Fig 3): subject" ("Figs 4-8" for a range), or
    /// "Paper Tables 1-3: subject" where the seed gives no number.</summary>
    public string Title => SeedFigure is null
        ? $"Paper {PaperFigure}: {Subject}"
        : $"{(SeedFigure.Contains('-') ? "Figs" : "Fig")} {SeedFigure} (paper {PaperFigure}): {Subject}";
}

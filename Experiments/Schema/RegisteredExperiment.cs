namespace Experiments.Schema;

/// <summary>One line of the experiment registry (<c>Experiments/Schema/experiments.tsv</c>): a result folder and what
/// it reproduces. See <see cref="ExperimentRegistry"/>.</summary>
/// <param name="Program">The run-all.sh <c>--only</c> name of the program that writes the folder, e.g. "fig1".</param>
/// <param name="Folder">The result folder under a run folder, also <see cref="ResultRow.Experiment"/>, e.g. "fig1-shared-state".</param>
/// <param name="Project">The program's source folder, e.g. "Experiments/Fig1-SharedState".</param>
/// <param name="SeedFigure">The seed document's figure number, e.g. "Fig 1"; null where the seed gives none.</param>
/// <param name="PaperFigure">The paper's figure, tables or section, e.g. "Fig 3".</param>
/// <param name="Title">The report title, giving both numbers, e.g. "Fig 1 (paper Fig 3): cost of updating shared state".</param>
public sealed record RegisteredExperiment(string Program, string Folder, string Project, string? SeedFigure, string PaperFigure, string Title);

namespace Report.Input;

/// <summary>One experiment folder of a run that holds both a parsed results.csv and meta.json.</summary>
public sealed record ExperimentResult(string Name, string Directory, RunMeta Meta, IReadOnlyList<ResultRow> Rows)
{
    public bool IsIncomplete => !string.Equals(Meta.Status, "complete", StringComparison.OrdinalIgnoreCase);
}

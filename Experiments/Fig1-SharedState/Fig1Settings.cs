namespace Fig1.SharedState;

/// <summary>A validated run configuration (built by <see cref="Fig1Cli"/> from the command line).</summary>
public sealed record Fig1Settings
{
    /// <summary>This program's name in the experiment registry (run-all.sh --only).</summary>
    public const string Program = "fig1";
    /// <summary>The result folders it writes (registered in Experiments/Schema/experiments.tsv).</summary>
    public const string SharedStateId = "fig1-shared-state";
    public const string UrpcTablesId = "urpc-tables";

    /// <summary>Cores to use, in order: the first is the MSG server's core; a sweep over k uses the first k.</summary>
    public required int[] Cores { get; init; }
    public required SweepSize Size { get; init; }
    /// <summary>Requests each client keeps in flight in the pipelined MSG variant.</summary>
    public required int Window { get; init; }
    /// <summary>The run folder; experiments write into its subfolders.</summary>
    public required string OutDir { get; init; }
    /// <summary>"quick", "default" or "full".</summary>
    public required string Profile { get; init; }
    /// <summary>The C twin run beside each SHM and MSG point (null: no C rows).</summary>
    public NativeTwin? Twin { get; init; }
    /// <summary>What the run says about the C twin (which binary and -march, or why there is none).</summary>
    public string TwinNote { get; init; } = "C twin not run";
    public bool SharedState { get; init; } = true;
    public bool UrpcTables { get; init; } = true;
}

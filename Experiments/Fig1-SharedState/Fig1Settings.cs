using Experiments.Common;

namespace Fig1.SharedState;

/// <summary>
/// A validated run configuration (built by <see cref="Fig1Cli"/> from the command line). The first of the
/// <see cref="RunSettings.Cores"/> is the MSG server's core.
/// </summary>
public sealed record Fig1Settings : RunSettings
{
    /// <summary>This program's name in the experiment registry (run-all.sh --only).</summary>
    public const string Program = "fig1";
    /// <summary>The result folders it writes (registered in Experiments/Schema/experiments.tsv).</summary>
    public const string SharedStateId = "fig1-shared-state";
    public const string UrpcTablesId = "urpc-tables";

    /// <summary>Settings of <paramref name="chosen"/>'s cores, run folder, profile and size.</summary>
    public Fig1Settings(SweepChoice chosen) : base(chosen) => Size = SweepSize.For(chosen.Iterations, chosen.Repetitions);

    public SweepSize Size { get; init; }
    /// <summary>Requests each client keeps in flight in the pipelined MSG variant.</summary>
    public required int Window { get; init; }
    /// <summary>The C twin run beside each SHM and MSG point (null: no C rows).</summary>
    public NativeTwin? Twin { get; init; }
    /// <summary>What the run says about the C twin (which binary and -march, or why there is none).</summary>
    public string TwinNote { get; init; } = "C twin not run";
    public bool SharedState { get; init; } = true;
    public bool UrpcTables { get; init; } = true;
}

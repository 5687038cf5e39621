namespace Fig1.SharedState;

/// <summary>What one run of the C twin measured (samples in cycles) and whether its check passed.</summary>
public sealed class TwinRun : CheckedOutcome
{
    public required double[] CyclesPerOp { get; init; }
    /// <summary>Per sample: was the measuring thread descheduled during its timed phase.</summary>
    public required bool[] Disturbed { get; init; }
    /// <summary>MSG only: server cycles per update.</summary>
    public required double[] ServerCyclesPerOp { get; init; }
}

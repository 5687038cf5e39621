namespace Fig1.SharedState;

/// <summary>Everything one MSG run measured and checked.</summary>
public sealed class MsgMeasurement : CheckedOutcome
{
    /// <summary>Client cycles per update, one sample per client and repetition.</summary>
    public required double[] ClientCyclesPerOp { get; init; }
    /// <summary>Updates per second of all clients together, one sample per repetition (sum of the clients' rates).</summary>
    public required double[] UpdatesPerSecond { get; init; }
    /// <summary>Server cycles per update (<see cref="ServerCostMeter"/>).</summary>
    public required double[] ServerCyclesPerOp { get; init; }
    /// <summary>Per repetition: was any client descheduled by the OS during its timed phase (the server is not tracked per repetition).</summary>
    public required bool[] RepetitionDisturbed { get; init; }
    /// <summary>Times the server's thread was descheduled while serving.</summary>
    public long ServerDescheduled { get; init; }

    // The raw facts the check was made from, for tests and diagnostics.
    public required long Expected { get; init; }
    public required long Served { get; init; }
    public required long[] ServerFinalLines { get; init; }
    public required long RepliesReceived { get; init; }
    public required ulong ServerReplyValueSum { get; init; }
    public required ulong ClientReplyValueSum { get; init; }
}

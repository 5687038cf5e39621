namespace Fig1.SharedState;

/// <summary>What one MSG client saw: its timing samples and what its replies said.</summary>
public sealed class ClientReport
{
    /// <summary>Client cycles per completed update in each repetition (round trip when synchronous).</summary>
    public required double[] CyclesPerOp { get; init; }
    /// <summary>Updates per second this client completed in each repetition.</summary>
    public required double[] OpsPerSecond { get; init; }
    /// <summary>Per repetition: was this client descheduled by the OS during the timed phase.</summary>
    public required bool[] Disturbed { get; init; }
    public required long Replies { get; init; }
    /// <summary>Sum of the applied values (w1) over all replies.</summary>
    public required ulong ReplyValueSum { get; init; }
    /// <summary>First inconsistency seen in a reply (wrong tag, lines disagreeing, value not increasing), or null.</summary>
    public string? Failure { get; init; }
}

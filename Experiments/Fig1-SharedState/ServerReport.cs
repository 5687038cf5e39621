namespace Fig1.SharedState;

/// <summary>What an MSG server did: its cost samples and the state it ended with.</summary>
public sealed class ServerReport
{
    /// <summary>Server cycles per update (<see cref="ServerCostMeter"/>), one sample per <c>iterations</c> requests.</summary>
    public required double[] CyclesPerUpdate { get; init; }
    public required long Served { get; init; }
    /// <summary>Sum of the values the server put in its replies (w1).</summary>
    public required ulong ReplyValueSum { get; init; }
    /// <summary>Final value of every line.</summary>
    public required long[] FinalLines { get; init; }
    /// <summary>Times the OS descheduled the server's thread while it served (involuntary context switches).</summary>
    public required long Descheduled { get; init; }
}

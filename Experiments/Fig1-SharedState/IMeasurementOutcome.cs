namespace Fig1.SharedState;

/// <summary>
/// How a measurement dispatcher learns that it may start and hands back what it measured: the host opens the gate
/// once every participant is in place; the dispatcher, on its core, reports once, a result or an exception.
/// </summary>
public interface IMeasurementOutcome<T>
{
    /// <summary>True once the host has opened the gate.</summary>
    bool IsOpen { get; }
    void Succeed(T value);
    void Fail(Exception e);
    /// <summary>Steps (batches) the dispatcher has finished, for the host's stall bound: the host only looks for a change.</summary>
    long Progress { get; }
    /// <summary>Counts a finished step; called by the dispatcher outside its timed phases.</summary>
    void Advance();
}

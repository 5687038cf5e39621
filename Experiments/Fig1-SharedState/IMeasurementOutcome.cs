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
}

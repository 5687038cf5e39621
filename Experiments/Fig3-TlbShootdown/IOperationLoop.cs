namespace Fig3.TlbShootdown;

/// <summary>
/// A measuring loop that runs on one core inside its monitor, one operation after another, and counts them: what
/// <see cref="OperationLoopRun.RunLoop{TLoop, TReport}"/> starts and watches.
/// </summary>
public interface IOperationLoop
{
    /// <summary>Starts the loop; called on its core.</summary>
    void Begin();

    /// <summary>Operations completed so far. Written only by the loop's core, readable from any thread.</summary>
    long OperationsCompleted { get; }
}

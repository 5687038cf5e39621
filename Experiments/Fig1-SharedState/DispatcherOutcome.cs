namespace Fig1.SharedState;

/// <summary>
/// The host's view of a measurement dispatcher: a start gate the host opens once every participant is in place,
/// and a task that completes when the dispatcher has finished (or faulted) on its core.
/// <para>The gate is the only thing the host writes; the dispatcher reads it from its run upcall. Results are
/// published through the task, after the dispatcher is done with them.</para>
/// </summary>
public sealed class DispatcherOutcome<T> : IMeasurementOutcome<T>
{
    readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    volatile bool _open;
    long _progress;

    public bool IsOpen => _open;
    public void Open() => _open = true;
    public Task<T> Completion => _done.Task;
    public void Succeed(T value) => _done.TrySetResult(value);
    public void Fail(Exception e) => _done.TrySetException(e);

    /// <summary>Steps (batches) the dispatcher has finished, for the host's stall bound: the host only looks for a change.</summary>
    public long Progress => Interlocked.Read(ref _progress);
    /// <summary>Counts a finished step; called by the dispatcher outside its timed phases.</summary>
    public void Advance() => Interlocked.Increment(ref _progress);
}

using Multikernel.Threads;

namespace Multikernel.Domains;

/// <summary>
/// A host's request to run a main user thread on a domain's first dispatcher; its task completes, on the thread
/// pool (never on a core thread), with the thread's result or exception.
/// </summary>
abstract class MainThreadRequest
{
    public abstract void Start(DomainDispatcher d);
    public abstract void Fail(Exception e);
}

sealed class MainThreadRequest<T>(Func<UTask<T>> body) : MainThreadRequest
{
    readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _done.Task;

    public override void Start(DomainDispatcher d) => UThread.Spawn(() => Main(d));

    async UTask Main(DomainDispatcher d)
    {
        try { _done.TrySetResult(await body()); }
        catch (Exception e) { _done.TrySetException(e); }
        finally { d.MainFinished(this); }
    }

    public override void Fail(Exception e) => _done.TrySetException(e);
}

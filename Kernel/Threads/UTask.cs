using System.Runtime.CompilerServices;

namespace Multikernel.Threads;

/// <summary>Result type of a <see cref="UTask"/>, which returns nothing.</summary>
public readonly struct VoidResult;

/// <summary>
/// The task type of user-thread code: an <c>async UTask</c> method is a call inside the current user thread. It runs
/// synchronously until it awaits a threads-package primitive that cannot proceed; then the thread parks in its
/// dispatcher's run queue and the core thread goes on with other work (no OS thread per user thread, no thread
/// pool). A UTask is awaited once, by the thread that called the method. Completing without suspending allocates
/// nothing; a suspended call's frame is reused once its result has been read, so a UTask is awaited once (a second
/// await is refused). The execution context does not flow across these awaits (AsyncLocal values are not carried).
/// </summary>
[AsyncMethodBuilder(typeof(UTaskMethodBuilder))]
public readonly struct UTask
{
    internal readonly UFrame<VoidResult>? Frame;
    /// <summary>The use of <see cref="Frame"/> this task stands for (see <see cref="UFrame{T}.Version"/>).</summary>
    internal readonly int Version;

    internal UTask(UFrame<VoidResult>? frame, int version)
    {
        Frame = frame;
        Version = version;
    }

    public static UTask CompletedTask => default;

    public bool IsCompleted => Frame == null || Frame.IsCompletedFor(Version);

    public UTaskAwaiter GetAwaiter() => new(Frame, Version);
}

/// <summary>A <see cref="UTask"/> that returns a <typeparamref name="T"/>.</summary>
[AsyncMethodBuilder(typeof(UTaskMethodBuilder<>))]
public readonly struct UTask<T>
{
    internal readonly UFrame<T>? Frame;
    readonly int _version;
    readonly T _result;

    internal UTask(UFrame<T> frame, int version)
    {
        Frame = frame;
        _version = version;
        _result = default!;
    }

    public UTask(T result)
    {
        Frame = null;
        _version = 0;
        _result = result;
    }

    public bool IsCompleted => Frame == null || Frame.IsCompletedFor(_version);

    public UTaskAwaiter<T> GetAwaiter() => new(Frame, _version, _result);
}

/// <summary>Awaits a <see cref="UTask"/>: if it has not completed, the caller's continuation runs when it does.</summary>
public readonly struct UTaskAwaiter : ICriticalNotifyCompletion, IUAwaiter
{
    readonly UFrame<VoidResult>? _frame;
    readonly int _version;

    internal UTaskAwaiter(UFrame<VoidResult>? frame, int version)
    {
        _frame = frame;
        _version = version;
    }

    public bool IsCompleted => _frame == null || _frame.IsCompletedFor(_version);

    /// <summary>Reads the outcome (rethrowing the call's exception) and frees the call's frame for reuse.</summary>
    public void GetResult() => _frame?.GetResult(_version);

    public void OnCompleted(Action continuation) => _frame!.SetContinuation(_version, continuation);

    public void UnsafeOnCompleted(Action continuation) => _frame!.SetContinuation(_version, continuation);
}

/// <summary>Awaits a <see cref="UTask{T}"/>.</summary>
public readonly struct UTaskAwaiter<T> : ICriticalNotifyCompletion, IUAwaiter
{
    readonly UFrame<T>? _frame;
    readonly int _version;
    readonly T _result;

    internal UTaskAwaiter(UFrame<T>? frame, int version, T result)
    {
        _frame = frame;
        _version = version;
        _result = result;
    }

    public bool IsCompleted => _frame == null || _frame.IsCompletedFor(_version);

    /// <summary>Reads the result (rethrowing the call's exception) and frees the call's frame for reuse.</summary>
    public T GetResult() => _frame == null ? _result : _frame.GetResult(_version);

    public void OnCompleted(Action continuation) => _frame!.SetContinuation(_version, continuation);

    public void UnsafeOnCompleted(Action continuation) => _frame!.SetContinuation(_version, continuation);
}

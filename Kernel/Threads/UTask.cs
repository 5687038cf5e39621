using System.Runtime.CompilerServices;

namespace Multikernel.Threads;

/// <summary>Result type of a <see cref="UTask"/>, which returns nothing.</summary>
public readonly struct VoidResult;

/// <summary>
/// The task type of user-thread code: an <c>async UTask</c> method is a call inside the current user thread. It runs
/// synchronously until it awaits a threads-package primitive that cannot proceed; then the thread parks in its
/// dispatcher's run queue and the core thread goes on with other work (no OS thread per user thread, no thread
/// pool). A UTask is awaited once, by the thread that called the method. Completing without suspending allocates
/// nothing. The execution context does not flow across these awaits (AsyncLocal values are not carried).
/// </summary>
[AsyncMethodBuilder(typeof(UTaskMethodBuilder))]
public readonly struct UTask
{
    internal readonly UFrame<VoidResult>? Frame;

    internal UTask(UFrame<VoidResult>? frame) => Frame = frame;

    public static UTask CompletedTask => default;

    public bool IsCompleted => Frame == null || Frame.IsCompleted;

    public UTaskAwaiter GetAwaiter() => new(Frame);
}

/// <summary>A <see cref="UTask"/> that returns a <typeparamref name="T"/>.</summary>
[AsyncMethodBuilder(typeof(UTaskMethodBuilder<>))]
public readonly struct UTask<T>
{
    internal readonly UFrame<T>? Frame;
    readonly T _result;

    internal UTask(UFrame<T> frame)
    {
        Frame = frame;
        _result = default!;
    }

    public UTask(T result)
    {
        Frame = null;
        _result = result;
    }

    public bool IsCompleted => Frame == null || Frame.IsCompleted;

    public UTaskAwaiter<T> GetAwaiter() => new(Frame, _result);
}

/// <summary>Awaits a <see cref="UTask"/>: if it has not completed, the caller's continuation runs when it does.</summary>
public readonly struct UTaskAwaiter : ICriticalNotifyCompletion, IUAwaiter
{
    readonly UFrame<VoidResult>? _frame;

    internal UTaskAwaiter(UFrame<VoidResult>? frame) => _frame = frame;

    public bool IsCompleted => _frame == null || _frame.IsCompleted;

    public void GetResult() => _frame?.GetResult();

    public void OnCompleted(Action continuation) => _frame!.SetContinuation(continuation);

    public void UnsafeOnCompleted(Action continuation) => _frame!.SetContinuation(continuation);
}

/// <summary>Awaits a <see cref="UTask{T}"/>.</summary>
public readonly struct UTaskAwaiter<T> : ICriticalNotifyCompletion, IUAwaiter
{
    readonly UFrame<T>? _frame;
    readonly T _result;

    internal UTaskAwaiter(UFrame<T>? frame, T result)
    {
        _frame = frame;
        _result = result;
    }

    public bool IsCompleted => _frame == null || _frame.IsCompleted;

    public T GetResult() => _frame == null ? _result : _frame.GetResult();

    public void OnCompleted(Action continuation) => _frame!.SetContinuation(continuation);

    public void UnsafeOnCompleted(Action continuation) => _frame!.SetContinuation(continuation);
}

using System.Runtime.CompilerServices;

namespace Multikernel.Threads;

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

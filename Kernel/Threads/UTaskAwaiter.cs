using System.Runtime.CompilerServices;

namespace Multikernel.Threads;

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

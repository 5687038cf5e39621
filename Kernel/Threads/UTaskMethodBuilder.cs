using System.Runtime.CompilerServices;

namespace Multikernel.Threads;

/// <summary>Builds <see cref="UTask"/> methods (a <see cref="UTaskMethodBuilder{T}"/> of <see cref="VoidResult"/>).</summary>
public struct UTaskMethodBuilder
{
    UTaskMethodBuilder<VoidResult> _inner;

    public static UTaskMethodBuilder Create() => default;

    public void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine =>
        stateMachine.MoveNext();

    public void SetStateMachine(IAsyncStateMachine stateMachine) { }

    public void SetResult() => _inner.SetResult(default);

    public void SetException(Exception exception) => _inner.SetException(exception);

    public UTask Task
    {
        get
        {
            var t = _inner.Task;
            return new(t.Frame, t.Frame?.Version ?? 0);
        }
    }

    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine =>
        throw UTaskMethodBuilder<VoidResult>.ForeignAwaiter(typeof(TAwaiter));

    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion where TStateMachine : IAsyncStateMachine =>
        _inner.AwaitUnsafeOnCompleted(ref awaiter, ref stateMachine);
}

using System.Runtime.CompilerServices;

namespace Multikernel.Threads;

/// <summary>
/// Builds <see cref="UTask{T}"/> methods. The state machine runs on the caller's stack until its first suspension;
/// then it is copied once into a <see cref="UFrame{T}"/> owned by the current user thread (an idle frame of its
/// dispatcher or of the process's depot when there is one), and every later await reuses that frame and its cached
/// continuation delegate; the frame goes back to the dispatcher's cache once the caller has read the result.
/// <para>Only threads-package awaiters (<see cref="IUAwaiter"/>) may be awaited: anything else would resume the
/// method on a thread-pool thread instead of its dispatcher's core, so it is refused with an exception that faults
/// the UTask.</para>
/// </summary>
public struct UTaskMethodBuilder<T>
{
    UFrame<T>? _frame;
    T _result;

    public static UTaskMethodBuilder<T> Create() => default;

    public void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine =>
        stateMachine.MoveNext();

    public void SetStateMachine(IAsyncStateMachine stateMachine) { }

    public void SetResult(T result)
    {
        if (_frame == null) _result = result;
        else _frame.SetResult(result);
    }

    public void SetException(Exception exception)
    {
        if (_frame == null) _frame = new FaultedFrame<T>(exception);
        else _frame.SetException(exception);
    }

    public UTask<T> Task => _frame != null ? new UTask<T>(_frame, _frame.Version) : new UTask<T>(_result);

    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion where TStateMachine : IAsyncStateMachine =>
        throw ForeignAwaiter(typeof(TAwaiter));

    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion where TStateMachine : IAsyncStateMachine
    {
        if (awaiter is not IUAwaiter) throw ForeignAwaiter(typeof(TAwaiter));
        var frame = _frame;
        if (frame == null)
        {
            var owner = UThread.Current ?? throw new InvalidOperationException(
                "a UTask method can suspend only inside a user thread on a domain dispatcher (Domain.RunMainAsync, UThread.Spawn)");
            var box = UFrame<T, TStateMachine>.Take(owner);
            _frame = box;                     // first, so the boxed copy of the builder points at its own frame
            box.StateMachine = stateMachine;
            try { awaiter.UnsafeOnCompleted(box.MoveNextAction); }
            catch
            {
                // The wait was refused: the method goes on running on the stack (its catch blocks see the
                // exception), so the snapshot in the box is stale and must not be resumed later (the frame is
                // dropped, not pooled: nothing reads its result).
                _frame = null;
                throw;
            }
            return;
        }
        awaiter.UnsafeOnCompleted(((UFrame<T, TStateMachine>)frame).MoveNextAction);
    }

    internal static NotSupportedException ForeignAwaiter(Type awaiter) => new(
        $"a user thread awaited {awaiter.Name}, which is not a threads-package primitive: it would resume on another OS thread, " +
        "not on the dispatcher's core. Await only UTask, UThread.Join/Yield, Mutex, CondVar, Semaphore, Barrier or ForkJoin.");
}

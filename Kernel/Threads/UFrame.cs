using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Multikernel.Threads;

/// <summary>
/// The heap frame of a <see cref="UTask"/> method that has suspended at least once: its state machine, its outcome,
/// and the continuation of the method that awaits it (its caller, in the same user thread).
/// <para>Invariant: a frame belongs to the user thread that was running when it was created (<see cref="Owner"/>);
/// it is resumed, completed and awaited only by that thread, on that thread's dispatcher. Completing a frame runs its
/// caller's continuation inline, exactly like a return.</para>
/// </summary>
public abstract class UFrame<T>
{
    T _result = default!;
    ExceptionDispatchInfo? _fault;
    bool _done;
    Action? _continuation;

    internal UThread? Owner { get; }

    private protected UFrame(UThread? owner) => Owner = owner;

    internal bool IsCompleted => _done;

    internal void SetResult(T result)
    {
        _result = result;
        Complete();
    }

    internal void SetException(Exception e)
    {
        _fault = ExceptionDispatchInfo.Capture(e);
        Complete();
    }

    void Complete()
    {
        _done = true;
        var k = _continuation;
        if (k != null)
        {
            _continuation = null;
            k();
        }
    }

    internal T GetResult()
    {
        if (!_done) throw new InvalidOperationException("a UTask's result was read before it completed");
        _fault?.Throw();
        return _result;
    }

    /// <summary>Registers the awaiting caller. Only the owning thread may await a frame, and only once.</summary>
    internal void SetContinuation(Action continuation)
    {
        var current = UThread.Current;
        if (!ReferenceEquals(current, Owner))
            throw new InvalidOperationException(
                "a UTask is a call inside the user thread that started it and can be awaited only by that thread; " +
                "to wait for work running concurrently, start it with UThread.Spawn and Join the thread");
        if (_continuation != null) throw new InvalidOperationException("a UTask can be awaited only once");
        _continuation = continuation;
    }
}

/// <summary>The frame of one suspended <typeparamref name="TStateMachine"/>; created on its first suspension.</summary>
sealed class UFrame<T, TStateMachine> : UFrame<T> where TStateMachine : IAsyncStateMachine
{
    /// <summary>The boxed state machine; a field, so MoveNext mutates this copy in place.</summary>
    internal TStateMachine StateMachine = default!;

    /// <summary>Resumes the method; cached, so parking and waking allocate nothing.</summary>
    internal readonly Action MoveNextAction;

    internal UFrame(UThread owner) : base(owner) => MoveNextAction = MoveNext;

    void MoveNext() => StateMachine.MoveNext();
}

/// <summary>The outcome of a method that threw before it ever suspended.</summary>
sealed class FaultedFrame<T> : UFrame<T>
{
    internal FaultedFrame(Exception e) : base(UThread.Current) => SetException(e);
}

using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Multikernel.Threads;

/// <summary>
/// The heap frame of a <see cref="UTask"/> method that has suspended at least once: its state machine, its outcome,
/// and the continuation of the method that awaits it (its caller, in the same user thread). Frames are reused, as a
/// threads package reuses its stack memory: reading the result of a completed frame returns it to its dispatcher's
/// cache, and the next suspension of a method of the same type there takes it back (behind the caches, a depot shared
/// by all dispatchers: <see cref="UFrame{T, TStateMachine}"/>), so code that blocks on the package's primitives
/// allocates only until every frame type it uses has reached its peak count.
/// <para>Invariants: a frame belongs to the user thread that was running when it was taken (<see cref="Owner"/>); it
/// is resumed, completed and awaited only by that thread, on that thread's dispatcher. Completing a frame runs its
/// caller's continuation inline, exactly like a return. Each use of a frame has its own <see cref="Version"/>, which
/// the UTask of that use carries: once the result is read the version moves on, so a second await of the same UTask
/// is refused rather than reading a later call's state.</para>
/// </summary>
public abstract class UFrame<T>
{
    T _result = default!;
    ExceptionDispatchInfo? _fault;
    bool _done;
    Action? _continuation;

    internal UThread? Owner { get; private set; }

    /// <summary>The use this frame serves now; a UTask of an earlier use no longer refers to it.</summary>
    internal int Version { get; private set; }

    private protected UFrame(UThread? owner) => Owner = owner;

    /// <summary>True once this use of the frame has completed; refuses a UTask of an earlier use.</summary>
    internal bool IsCompletedFor(int version)
    {
        ThrowIfStale(version);
        return _done;
    }

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

    /// <summary>
    /// Reads the outcome of this use (rethrowing its exception) and frees the frame for reuse: nothing may touch the
    /// frame through <paramref name="version"/> afterwards.
    /// </summary>
    internal T GetResult(int version)
    {
        ThrowIfStale(version);
        if (!_done) throw new InvalidOperationException("a UTask's result was read before it completed");
        var fault = _fault;
        var result = _result;
        var home = Owner?.Home;
        _result = default!;
        _fault = null;
        _done = false;
        Owner = null;
        Version = version + 1;
        Recycle(home);
        fault?.Throw();
        return result;
    }

    /// <summary>Registers the awaiting caller. Only the owning thread may await a frame, and only once.</summary>
    internal void SetContinuation(int version, Action continuation)
    {
        ThrowIfStale(version);
        var current = UThread.Current;
        if (!ReferenceEquals(current, Owner))
            throw new InvalidOperationException(
                "a UTask is a call inside the user thread that started it and can be awaited only by that thread; " +
                "to wait for work running concurrently, start it with UThread.Spawn and Join the thread");
        if (_continuation != null) throw new InvalidOperationException("a UTask can be awaited only once");
        _continuation = continuation;
    }

    /// <summary>Hands a frame taken from a pool to its new owner (its state was cleared when its last result was read).</summary>
    private protected void Reuse(UThread owner) => Owner = owner;

    /// <summary>
    /// Keeps the frame for reuse, if its kind is kept; called once its result has been read and its state cleared, on
    /// the core of <paramref name="home"/>, the scheduler of the thread that owned it (null if it had none).
    /// </summary>
    private protected virtual void Recycle(Scheduler? home) { }

    void ThrowIfStale(int version)
    {
        if (version != Version)
            throw new InvalidOperationException(
                "a UTask was used after its result had been read: a UTask can be awaited only once, and its frame now serves a later call");
    }
}

/// <summary>
/// The frame of one suspended <typeparamref name="TStateMachine"/>, taken on its first suspension and returned once
/// its result has been read. Idle frames are kept as a slab allocator keeps objects (Bonwick's magazines; Barrelfish's
/// domain-wide malloc behind a lock): a cache per dispatcher (its <see cref="Scheduler"/>), used on its core without a
/// lock, and behind the caches a depot shared by all cores under a lock, used only when a cache is empty or full and
/// when a dispatcher leaves (<see cref="Scheduler.ReturnIdleFrames"/>), so frames outlive the dispatchers that used them.
/// <para>Invariant: an idle frame (in a cache or the depot) holds no state machine, no owner and no outcome.</para>
/// </summary>
sealed class UFrame<T, TStateMachine> : UFrame<T> where TStateMachine : IAsyncStateMachine
{
    static readonly FrameDepot<UFrame<T, TStateMachine>> s_depot = new();
    /// <summary>This frame type's index in every scheduler's table of frame caches.</summary>
    static readonly int s_kind = FrameKinds.Register(() => new FrameCache<UFrame<T, TStateMachine>>(s_depot));

    /// <summary>The boxed state machine; a field, so MoveNext mutates this copy in place.</summary>
    internal TStateMachine StateMachine = default!;

    /// <summary>Resumes the method; cached, so parking and waking allocate nothing.</summary>
    internal readonly Action MoveNextAction;

    UFrame(UThread owner) : base(owner) => MoveNextAction = MoveNext;

    /// <summary>A frame for <paramref name="owner"/>, which runs now: an idle one of its dispatcher or of the depot, or a new one.</summary>
    internal static UFrame<T, TStateMachine> Take(UThread owner)
    {
        var frame = (owner.Home?.FrameCache<UFrame<T, TStateMachine>>(s_kind).TryPop()) ?? s_depot.TryTake();
        if (frame == null) return new UFrame<T, TStateMachine>(owner);
        frame.Reuse(owner);
        return frame;
    }

    /// <summary>Idle frames of this type in the depot (for tests).</summary>
    internal static int InDepot => s_depot.Count;

    private protected override void Recycle(Scheduler? home)
    {
        StateMachine = default!;
        if (home == null || !home.FrameCache<UFrame<T, TStateMachine>>(s_kind).TryPush(this)) s_depot.Give(this);
    }

    void MoveNext() => StateMachine.MoveNext();
}

/// <summary>The outcome of a method that threw before it ever suspended (not pooled: an exceptional path).</summary>
sealed class FaultedFrame<T> : UFrame<T>
{
    internal FaultedFrame(Exception e) : base(UThread.Current) => SetException(e);
}

using System.Diagnostics;

namespace Multikernel.Threads;

/// <summary>
/// The user-level thread scheduler of one dispatcher: a FIFO run queue of parked threads and the table that names
/// this dispatcher's threads to the other dispatchers of the domain (a wake-up message carries a slot of it).
/// A switch between user threads is a return to <see cref="RunReady"/> and the invocation of the next thread's
/// continuation: no kernel (CPU driver) involvement and no OS thread per user thread.
/// <para>Invariants: touched only on its dispatcher's core thread. A thread of another dispatcher is never run
/// here; it is woken by a URPC message to its own dispatcher (<see cref="Wake"/>). 0 ≤ ready ≤ capacity; every live
/// thread holds a slot and free slots are exactly the used ones no live thread holds (checked in Debug builds).</para>
/// <para>The scheduler whose dispatcher's code runs now on a core thread is <see cref="Current"/>, set by that
/// dispatcher around its handlers and upcalls with <see cref="Enter"/> / <see cref="Exit"/>.</para>
/// </summary>
public sealed class Scheduler
{
    [ThreadStatic] static Scheduler? t_current;

    UThread[] _ready = new UThread[64];
    int _head, _count;
    UThread?[] _threads = new UThread?[64];
    int[] _freeSlots = new int[64];
    int _freeCount, _slotsUsed;
    /// <summary>This dispatcher's idle UTask frames, one cache per frame kind (<see cref="FrameKinds"/>).</summary>
    FrameCache[] _frameCaches = FrameKinds.NewCaches();

    /// <summary>The dispatcher this scheduler runs on.</summary>
    internal IThreadDispatcher Owner { get; }

    /// <summary>The user thread running now on this dispatcher (null between threads and in message handlers).</summary>
    internal UThread? CurrentThread { get; private set; }

    /// <summary>Threads adopted here that hold a slot: those that have not finished, and any that ended while a call it made was still parked (it keeps its slot for that call's wake-up).</summary>
    public int LiveThreads { get; private set; }

    /// <summary>Threads in the run queue.</summary>
    public int ReadyThreads => _count;

    /// <summary>Context switches made (continuations resumed), for tests and statistics.</summary>
    public long Switches { get; private set; }

    /// <summary>Wake-ups sent as URPC messages to threads of other dispatchers (statistics).</summary>
    public long RemoteWakes { get; private set; }

    /// <summary>
    /// Threads woken by an unlock to compete for a mutex that found it taken again and went back to its queue
    /// (statistics: many of them mean a contended mutex is passed around by wake-up messages).
    /// </summary>
    public long LostMutexRaces { get; private set; }

    internal Scheduler(IThreadDispatcher owner) => Owner = owner;

    /// <summary>This dispatcher's cache of idle frames of kind <paramref name="kind"/> (used on its core only).</summary>
    internal FrameCache<TFrame> FrameCache<TFrame>(int kind) where TFrame : class
    {
        Debug.Assert(ReferenceEquals(t_current, this), "a frame cache is used only on its dispatcher's core, inside its handlers and upcalls");
        if ((uint)kind >= (uint)_frameCaches.Length) FrameKinds.Extend(ref _frameCaches);
        return (FrameCache<TFrame>)_frameCaches[kind];
    }

    /// <summary>
    /// Hands this dispatcher's idle UTask frames to the process-wide depots; called when the dispatcher leaves its
    /// core (later dispatchers reuse the frames instead of allocating).
    /// </summary>
    internal void ReturnIdleFrames()
    {
        foreach (var c in _frameCaches) c.ReturnToDepot();
    }

    /// <summary>The scheduler of the dispatcher whose code runs now on this core thread, if any.</summary>
    internal static Scheduler? Current => t_current;

    /// <summary>Makes <paramref name="scheduler"/> current on this core thread (its dispatcher's handler or upcall starts); returns the one to restore with <see cref="Exit"/>.</summary>
    internal static Scheduler? Enter(Scheduler scheduler)
    {
        var previous = t_current;
        t_current = scheduler;
        return previous;
    }

    /// <summary>Restores the scheduler <see cref="Enter"/> returned (the handler or upcall ends).</summary>
    internal static void Exit(Scheduler? previous) => t_current = previous;

    internal static Scheduler CurrentOrThrow => Current ?? throw new InvalidOperationException(
        "threads-package primitives are used by code running on a domain dispatcher (a user thread started by Domain.RunMainAsync or UThread.Spawn)");

    /// <summary>Makes a new thread this dispatcher's: gives it a slot and queues its start.</summary>
    internal void Adopt(UThread t)
    {
        Owner.AssertOnCore();
        int slot;
        if (_freeCount > 0) slot = _freeSlots[--_freeCount];
        else
        {
            if (_slotsUsed == _threads.Length) Array.Resize(ref _threads, _threads.Length * 2);
            slot = _slotsUsed++;
        }
        _threads[slot] = t;
        t.Attach(this, slot);
        LiveThreads++;
        Enqueue(t);
        AssertInvariants();
    }

    /// <summary>Releases a finished thread's slot.</summary>
    internal void Release(UThread t)
    {
        _threads[t.Slot] = null;
        if (_freeCount == _freeSlots.Length) Array.Resize(ref _freeSlots, _freeSlots.Length * 2);
        _freeSlots[_freeCount++] = t.Slot;
        LiveThreads--;
        AssertInvariants();
    }

    /// <summary>
    /// Wakes a blocked thread of this domain: queued here if it is this dispatcher's, otherwise a wake-up message to
    /// its dispatcher. Called by the code that releases it (on this scheduler's core).
    /// </summary>
    internal void Wake(UThread t)
    {
        var home = t.Home ?? throw new InvalidOperationException("woke a user thread that has not started");
        if (home == this) { Enqueue(t); return; }
        if (!home.Owner.SameDomainAs(Owner))
            throw new InvalidOperationException("a primitive is shared by the threads of one domain; a thread of another domain cannot be woken from here");
        RemoteWakes++;
        Owner.SendWake(home.Owner.Index, t.Slot);
    }

    /// <summary>A wake-up message from another dispatcher of the domain.</summary>
    internal void OnWakeMessage(int slot)
    {
        var t = (uint)slot < (uint)_slotsUsed ? _threads[slot] : null;
        Enqueue(t ?? throw new InvalidOperationException($"wake-up for thread slot {slot}, which holds no live thread of dispatcher {Owner.Index}"));
    }

    /// <summary>
    /// Parks the current thread: <paramref name="continuation"/> runs when the thread is next resumed. The primitive
    /// has already queued the thread (or woken it) under its lock; the wake-up cannot be acted on before this call,
    /// because resuming happens only from <see cref="RunReady"/> or a message, after the current thread returns.
    /// </summary>
    internal void Park(Action continuation)
    {
        var t = CurrentThread == null ? throw UThread.NotInThread() : UThread.CurrentForWait();
        t.Continuation = continuation;
    }

    void Enqueue(UThread t)
    {
        if (_count == _ready.Length) Grow();
        int tail = _head + _count;
        if (tail >= _ready.Length) tail -= _ready.Length;
        _ready[tail] = t;
        _count++;
    }

    void Grow()
    {
        var bigger = new UThread[_ready.Length * 2];
        for (int i = 0; i < _count; i++) bigger[i] = _ready[(_head + i) % _ready.Length];
        _ready = bigger;
        _head = 0;
    }

    /// <summary>
    /// Runs the threads that were ready when called, each until it parks or finishes (threads made ready meanwhile
    /// wait for the next round, so messages are polled in between). Returns how many ran.
    /// </summary>
    internal int RunReady()
    {
        int n = _count;
        for (int i = 0; i < n; i++)
        {
            var t = _ready[_head];
            _ready[_head] = null!;
            if (++_head == _ready.Length) _head = 0;
            _count--;
            Resume(t);
        }
        AssertInvariants();
        return n;
    }

    void Resume(UThread t)
    {
        var k = t.Continuation ?? throw new InvalidOperationException("a user thread was made ready without a continuation (an awaiter was not awaited)");
        var contested = t.CompeteFor;
        if (contested != null)
        {
            // Woken by an unlock that released the mutex: take it now, or go back to the head of its queue (still
            // parked, continuation kept, behind the waiters that lost before it) to have it handed over by an unlock.
            t.CompeteFor = null;
            if (!contested.AcquireOnWake(t))
            {
                LostMutexRaces++;
                return;
            }
        }
        t.Continuation = null;
        var previous = CurrentThread;
        CurrentThread = t;
        Switches++;
        try { k(); }
        finally { CurrentThread = previous; }
    }

    [Conditional("DEBUG")]
    void AssertInvariants()
    {
        Debug.Assert(_count >= 0 && _count <= _ready.Length && (uint)_head < (uint)_ready.Length, $"scheduler: {_count} ready, head {_head}, capacity {_ready.Length}");
        Debug.Assert(LiveThreads == _slotsUsed - _freeCount, $"scheduler: {LiveThreads} live threads but {_slotsUsed} slots used and {_freeCount} free");
    }
}

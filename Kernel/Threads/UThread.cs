using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Multikernel.Threads;

/// <summary>
/// A user-level thread: a chain of <see cref="UTask"/> calls that runs on one dispatcher of a domain, scheduled
/// cooperatively by that dispatcher's <see cref="Scheduler"/>. It is created on a dispatcher (<see cref="Spawn"/>,
/// or <see cref="SpawnOn"/> by a message to another one), runs there until it finishes, and can be joined from any
/// dispatcher of the domain.
/// <para>Invariant: <see cref="Continuation"/>, <see cref="Home"/> and <see cref="Slot"/> belong to the home
/// dispatcher; <see cref="NextWaiter"/> belongs to whichever primitive's lock the thread waits under; the joiner
/// queue is guarded by the thread's own lock.</para>
/// </summary>
public sealed class UThread
{
    readonly Func<UTask> _body;
    readonly Action _start;
    UTask _root;
    readonly Action _onBodyReturned;
    SpinLockWord _joinLock;
    WaitQueue _joiners;
    volatile bool _done;
    ExceptionDispatchInfo? _fault;

    internal Scheduler? Home { get; private set; }
    internal int Slot { get; private set; } = -1;
    /// <summary>What runs when the scheduler next resumes this thread; null while it runs.</summary>
    internal Action? Continuation;
    /// <summary>Link in the wait queue of the primitive this thread waits on.</summary>
    internal UThread? NextWaiter;
    /// <summary>The mutex a thread waiting on a condition variable re-acquires when signalled.</summary>
    internal Mutex? CondVarMutex;
    /// <summary>
    /// Set by <see cref="Mutex.Unlock"/> when it wakes this queued thread to compete for the mutex (it released the
    /// mutex rather than handing it over); the thread's scheduler takes the mutex for it before resuming it.
    /// </summary>
    internal Mutex? CompeteFor;
    /// <summary>This queued thread was woken once and lost the mutex to a running locker: an unlock hands it over (to such threads in the order they lost).</summary>
    internal bool LostMutexRace;

    /// <summary>The dispatcher (index within the domain) the thread runs on.</summary>
    public int DispatcherIndex { get; }

    /// <summary>True once the body has returned or thrown.</summary>
    public bool IsCompleted => _done;

    UThread(Func<UTask> body, int dispatcherIndex)
    {
        _body = body;
        DispatcherIndex = dispatcherIndex;
        _start = Start;
        _onBodyReturned = OnBodyReturned;
    }

    /// <summary>The user thread running now on this core thread, or null outside user threads.</summary>
    public static UThread? Current => Scheduler.Current?.CurrentThread;

    /// <summary>Creates a thread on the current dispatcher; it starts when the dispatcher next runs its queue.</summary>
    public static UThread Spawn(Func<UTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var s = Scheduler.CurrentOrThrow;
        var t = new UThread(body, s.Owner.Index);
        s.Adopt(t);
        return t;
    }

    /// <summary>
    /// Creates a thread on dispatcher <paramref name="dispatcherIndex"/> of the current domain: the request travels
    /// as a URPC message to that dispatcher, which adopts and starts it.
    /// </summary>
    public static UThread SpawnOn(int dispatcherIndex, Func<UTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var s = Scheduler.CurrentOrThrow;
        int count = s.Owner.DispatcherCount;
        if ((uint)dispatcherIndex >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(dispatcherIndex), dispatcherIndex, $"this domain has dispatchers 0..{count - 1}");
        var t = new UThread(body, dispatcherIndex);
        if (dispatcherIndex == s.Owner.Index) s.Adopt(t);
        else s.Owner.SendSpawn(dispatcherIndex, t);
        return t;
    }

    /// <summary>Lets the other ready threads of this dispatcher run, then continues.</summary>
    public static YieldAwaitable Yield() => default;

    /// <summary>Waits until this thread has finished; rethrows the exception that ended it, if any.</summary>
    public JoinAwaitable Join() => new(this);

    internal void Attach(Scheduler home, int slot)
    {
        Home = home;
        Slot = slot;
        Continuation = _start;
    }

    void Start()
    {
        UTask task;
        try { task = _body(); }
        catch (Exception e)
        {
            Finish(ExceptionDispatchInfo.Capture(e));
            return;
        }
        if (task.IsCompleted) { FinishFrom(task); return; }
        _root = task;
        task.GetAwaiter().UnsafeOnCompleted(_onBodyReturned);
    }

    void OnBodyReturned() => FinishFrom(_root);

    void FinishFrom(UTask body)
    {
        ExceptionDispatchInfo? fault = null;
        try { body.GetAwaiter().GetResult(); }
        catch (Exception e) { fault = ExceptionDispatchInfo.Capture(e); }
        Finish(fault);
    }

    void Finish(ExceptionDispatchInfo? fault)
    {
        _root = default;
        var home = Home!;
        if (Continuation != null)
        {
            // A call of this thread is still parked (queued by a primitive, or about to be woken by one): the thread
            // keeps its slot, so that the wake-up, which names the slot, resumes that call and no other thread.
            fault = ExceptionDispatchInfo.Capture(new InvalidOperationException(
                "a user thread ended while a UTask method it called was suspended and not awaited (await every UTask call at once; " +
                "to run work concurrently, spawn a thread)", fault?.SourceException));
        }
        else home.Release(this);
        _fault = fault;
        _joinLock.Enter();
        _done = true;
        var joiners = _joiners.TakeAll();
        _joinLock.Exit();
        WaitQueue.WakeChain(home, joiners);
    }

    /// <summary>Join: true if already finished, else queues the joiner (under the thread's lock).</summary>
    internal bool CompletedOrQueue(UThread joiner)
    {
        if (_done) return true;
        if (ReferenceEquals(joiner, this)) throw new InvalidOperationException("a user thread cannot join itself");
        _joinLock.Enter();
        bool done = _done;
        if (!done) _joiners.Enqueue(joiner);
        _joinLock.Exit();
        return done;
    }

    internal void ThrowIfFaulted() => _fault?.Throw();

    public override string ToString() => $"user thread {Slot} on dispatcher {DispatcherIndex}{(_done ? " (finished)" : "")}";

    /// <summary>Awaitable of <see cref="Join"/>.</summary>
    public readonly struct JoinAwaitable : ICriticalNotifyCompletion, IUAwaiter
    {
        readonly UThread _thread;
        internal JoinAwaitable(UThread thread) => _thread = thread;
        public JoinAwaitable GetAwaiter() => this;
        /// <summary>Queues the current thread as a joiner when the target has not finished (awaiting then parks it).</summary>
        public bool IsCompleted => _thread._done || _thread.CompletedOrQueue(CurrentForWait());
        public void GetResult() => _thread.ThrowIfFaulted();
        public void OnCompleted(Action continuation) => Scheduler.CurrentOrThrow.Park(continuation);
        public void UnsafeOnCompleted(Action continuation) => Scheduler.CurrentOrThrow.Park(continuation);
    }

    /// <summary>Awaitable of <see cref="Yield"/>.</summary>
    public readonly struct YieldAwaitable : ICriticalNotifyCompletion, IUAwaiter
    {
        public YieldAwaitable GetAwaiter() => this;
        public bool IsCompleted => false;
        public void GetResult() { }
        public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);
        public void UnsafeOnCompleted(Action continuation)
        {
            var s = Scheduler.CurrentOrThrow;
            var t = s.CurrentThread ?? throw NotInThread();
            s.Park(continuation);
            s.Wake(t);
        }
    }

    /// <summary>
    /// The current thread, about to wait on a primitive. Refused before anything is queued if the thread is already
    /// committed to a wait: a UTask method it called suspended and it went on instead of awaiting that call at once.
    /// </summary>
    internal static UThread CurrentForWait()
    {
        var t = Current ?? throw NotInThread();
        if (t.Continuation != null)
            throw new InvalidOperationException(
                "this user thread is already waiting: a UTask method it called suspended and was not awaited at once (to run work concurrently, spawn a thread)");
        return t;
    }

    internal static InvalidOperationException NotInThread() =>
        new("only a user thread (Domain.RunMainAsync, UThread.Spawn) can wait on a threads-package primitive");
}

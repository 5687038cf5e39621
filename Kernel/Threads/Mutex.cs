using System.Diagnostics;
using Multikernel.Hardware;

namespace Multikernel.Threads;

/// <summary>
/// A mutual-exclusion lock for the user threads of one domain, on any of its dispatchers.
/// <para>Unlocking with threads queued releases the mutex and wakes the longest waiter to compete for it (a waiter on
/// another dispatcher is woken by a URPC message; its dispatcher takes the mutex for it before resuming it). A running
/// locker may take the mutex meanwhile; a woken waiter that loses goes back to the head of the queue, marked, behind
/// any waiter that lost before it, and the next unlocks hand the mutex to the marked waiters directly, in the order
/// they lost (the next unlock to the first of them), so a waiter loses at most once per wake-up and none starves.
/// Queued waiters are woken in the order they queued. Handing the mutex over to every queued waiter instead (strict FIFO)
/// makes a lock convoy on a contended short critical section: once one waiter has parked, every later locker queues
/// behind it, and each acquisition then waits out a park, a wake-up message and a switch with the mutex idle.</para>
/// <para>Adaptive wait: a locker that finds the mutex held by a thread of <em>another</em> dispatcher first polls it
/// for up to <see cref="SpinBudgetNanoseconds"/> (the holder is running on its own core, and a short critical section
/// ends sooner than a park, a wake-up message and a switch would take); it takes the mutex if it becomes free in that
/// time, else queues and parks. A holder on the locker's own dispatcher cannot run while the locker polls, so that
/// locker parks at once.</para>
/// <para>Invariant: <c>_held</c>, <c>_owner</c> and the waiter queue change only under <c>_lock</c>; the mutex is held
/// exactly when it has an owner. Threads may be queued while it is free only while a woken waiter is on its way to
/// compete (it takes the mutex or re-queues while it is held), so no queued thread is left without a wake-up. The
/// queued threads marked as having lost a race are a prefix of the queue, in the order they lost.</para>
/// </summary>
public sealed class Mutex
{
    SpinLockWord _lock;
    bool _held;
    UThread? _owner;
    WaitQueue _waiters;

    /// <summary>The thread holding the mutex (a snapshot).</summary>
    public UThread? Owner => Volatile.Read(ref _owner);

    /// <summary>Threads queued for the mutex (a snapshot, for tests).</summary>
    internal int QueuedWaiters
    {
        get
        {
            _lock.Enter();
            int n = _waiters.Count;
            _lock.Exit();
            return n;
        }
    }

    /// <summary>Acquires the mutex, parking the current thread until it gets it.</summary>
    public ParkingAwaitable<Acquisition> LockAsync() => new(new Acquisition(this));

    /// <summary>Acquires the mutex if it is free.</summary>
    public bool TryLock()
    {
        var me = UThread.Current ?? throw UThread.NotInThread();
        _lock.Enter();
        bool free = !_held;
        if (free) { _held = true; _owner = me; }
        _lock.Exit();
        return free;
    }

    /// <summary>
    /// Releases the mutex and wakes the longest waiter, if any, to compete for it (or hands it over to that waiter if
    /// it already lost once). Only its holder may call this: the
    /// holder must be the thread its dispatcher runs now, which refuses an unlock by another thread of that dispatcher
    /// or while the holder waits, without looking up the caller (a thread-local read), but not an unlock by a thread of
    /// another dispatcher while the holder runs; Debug builds also check, before the unlock changes anything, that the
    /// caller is the holder.
    /// </summary>
    public void Unlock()
    {
        AssertCallerHolds();
        _lock.Enter();
        var me = _owner;
        var s = me?.Home;
        if (s == null || !ReferenceEquals(s.CurrentThread, me))
        {
            _lock.Exit();
            throw NotHolder();
        }
        var next = _waiters.Dequeue();
        if (next != null && next.LostMutexRace)
        {
            next.LostMutexRace = false;
            _owner = next;   // hand-over: it was woken once already and a running locker took the mutex first
        }
        else
        {
            _held = false;
            _owner = null;
            if (next != null) next.CompeteFor = this;
        }
        AssertInvariants();
        _lock.Exit();
        if (next != null) s.Wake(next);
    }

    /// <summary>
    /// Run by the dispatcher of <paramref name="t"/>, woken by <see cref="Unlock"/> to compete, before it resumes the
    /// thread: takes the mutex if it is free (true); otherwise puts the thread back at the head of the queue, behind the
    /// waiters that lost before it, marked to be handed the mutex by an unlock, and leaves it parked (false).
    /// </summary>
    internal bool AcquireOnWake(UThread t)
    {
        _lock.Enter();
        bool free = !_held;
        if (free) { _held = true; _owner = t; }
        else
        {
            _waiters.EnqueueAfterLosers(t);
            t.LostMutexRace = true;
        }
        AssertInvariants();
        _lock.Exit();
        return free;
    }

    static SynchronizationLockException NotHolder() => new("a mutex is unlocked only by the user thread that holds it");

    /// <summary>
    /// Debug builds: the caller of an unlock holds the mutex, checked before the unlock changes anything (without the
    /// lock: while the caller runs, only the caller could make itself the owner, so the read is exact for it).
    /// </summary>
    [Conditional("DEBUG")]
    void AssertCallerHolds()
    {
        if (!ReferenceEquals(UThread.Current, Volatile.Read(ref _owner))) throw NotHolder();
    }

    /// <summary>
    /// How long a locker polls a mutex held by a running thread of another dispatcher before it parks: 2 µs, a few
    /// times a short critical section and about what a park, a URPC wake-up message and the switch back take.
    /// </summary>
    public const int SpinBudgetNanoseconds = 2000;

    static readonly ulong s_spinCycles = (ulong)CycleClock.FromNanoseconds(SpinBudgetNanoseconds);

    /// <summary>
    /// Acquires for <paramref name="t"/> or queues it; true if acquired. With <paramref name="adaptive"/> (a locker
    /// waiting for itself) it may first poll a mutex held on another dispatcher; a signalled condition-variable waiter
    /// is queued at once (its signaller, not the waiter, runs this, and may itself hold the mutex).
    /// </summary>
    bool AcquireOrQueue(UThread t, bool adaptive)
    {
        _lock.Enter();
        if (!_held)
        {
            _held = true;
            _owner = t;
            AssertInvariants();
            _lock.Exit();
            return true;
        }
        if (adaptive && !ReferenceEquals(_owner!.Home, t.Home))
        {
            _lock.Exit();
            return SpinThenAcquireOrQueue(t);
        }
        _waiters.Enqueue(t);
        AssertInvariants();
        _lock.Exit();
        return false;
    }

    /// <summary>
    /// The adaptive wait (called without the lock): polls the mutex while a thread of another dispatcher holds it, for
    /// at most <see cref="SpinBudgetNanoseconds"/>; takes it if it is freed, else queues
    /// <paramref name="t"/>. True if acquired.
    /// </summary>
    bool SpinThenAcquireOrQueue(UThread t)
    {
        ulong deadline = CycleClock.Now() + s_spinCycles;
        for (int i = 1; ; i++)
        {
            bool late = (i & 15) == 0 && CycleClock.Now() >= deadline;
            if (late || !Volatile.Read(ref _held))
            {
                _lock.Enter();
                bool free = !_held;
                if (free) { _held = true; _owner = t; }
                else if (late || ReferenceEquals(_owner!.Home, t.Home)) _waiters.Enqueue(t);
                else
                {
                    _lock.Exit();   // taken by another locker meanwhile: keep polling until the deadline
                    continue;
                }
                AssertInvariants();
                _lock.Exit();
                return free;
            }
            Thread.SpinWait(4);
        }
    }

    /// <summary>Under the lock: held exactly when it has an owner, and the waiters that lost a race lead the queue (checked in Debug builds).</summary>
    [Conditional("DEBUG")]
    void AssertInvariants()
    {
        Debug.Assert(_held == (_owner != null), $"mutex: held={_held}, owner={_owner}, waiters queued={!_waiters.IsEmpty}");
        Debug.Assert(_waiters.LosersArePrefix(), "mutex: a waiter that lost a race is queued behind one that has not been woken");
    }

    /// <summary>
    /// Condition-variable hand-over (wait morphing): a signalled thread <paramref name="t"/> goes straight into this
    /// mutex's queue, or gets the mutex and is woken if it is free; either way it returns from its wait holding it.
    /// </summary>
    internal void AcquireOrQueueSignalled(UThread t, Scheduler waker)
    {
        if (AcquireOrQueue(t, adaptive: false)) waker.Wake(t);
    }

    /// <summary>The wait of <see cref="LockAsync"/>: takes the mutex if free (after the adaptive wait if it is held on another dispatcher), else queues.</summary>
    public readonly struct Acquisition : IParkingWait
    {
        readonly Mutex _mutex;
        internal Acquisition(Mutex mutex) => _mutex = mutex;
        bool IParkingWait.CompleteOrQueue(UThread current) => _mutex.AcquireOrQueue(current, adaptive: true);
    }
}

namespace Multikernel.Threads;

/// <summary>
/// A condition variable for the user threads of one domain. <see cref="WaitAsync"/> queues the caller, releases the
/// mutex and parks; <see cref="Signal"/> / <see cref="Broadcast"/> move waiters straight into the mutex's queue
/// (wait morphing), so a woken waiter returns holding the mutex. A waiter is queued before it releases the mutex,
/// so a signal sent under the mutex after the waiter checked its predicate is never lost.
/// </summary>
public sealed class CondVar
{
    SpinLockWord _lock;
    WaitQueue _waiters;

    /// <summary>Releases <paramref name="mutex"/> (which the caller must hold), waits for a signal, re-acquires it.</summary>
    public ParkingAwaitable<Signalled> WaitAsync(Mutex mutex) => new(new Signalled(this, mutex));

    /// <summary>Wakes the longest waiter, if any.</summary>
    public void Signal()
    {
        var s = Scheduler.CurrentOrThrow;
        _lock.Enter();
        var t = _waiters.Dequeue();
        _lock.Exit();
        if (t != null) Hand(t, s);
    }

    /// <summary>Wakes every waiter. With none queued it only looks (no dispatcher lookup: a thread-local read).</summary>
    public void Broadcast()
    {
        _lock.Enter();
        bool none = _waiters.IsEmpty;
        _lock.Exit();
        if (none) return;
        var s = Scheduler.CurrentOrThrow;
        _lock.Enter();
        var chain = _waiters.TakeAll();
        _lock.Exit();
        while (chain != null)
        {
            var next = chain.NextWaiter;
            chain.NextWaiter = null;
            Hand(chain, s);
            chain = next;
        }
    }

    static void Hand(UThread t, Scheduler s)
    {
        var m = t.CondVarMutex!;
        t.CondVarMutex = null;
        m.AcquireOrQueueSignalled(t, s);
    }

    void Enqueue(UThread me, Mutex mutex)
    {
        if (!ReferenceEquals(mutex.Owner, me))
            throw new SynchronizationLockException("CondVar.WaitAsync needs the mutex held by the waiting thread");
        me.CondVarMutex = mutex;
        _lock.Enter();
        _waiters.Enqueue(me);
        _lock.Exit();
        mutex.Unlock();
    }

    /// <summary>The wait of <see cref="WaitAsync"/>: never completes at once; queues the thread and releases the mutex.</summary>
    public readonly struct Signalled : IParkingWait
    {
        readonly CondVar _cv;
        readonly Mutex _mutex;
        internal Signalled(CondVar cv, Mutex mutex) { _cv = cv; _mutex = mutex; }
        bool IParkingWait.CompleteOrQueue(UThread current)
        {
            _cv.Enqueue(current, _mutex);
            return false;
        }
    }
}

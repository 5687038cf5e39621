namespace Multikernel.Threads;

/// <summary>
/// FIFO of blocked user threads, linked through <see cref="UThread.NextWaiter"/> (a thread waits in at most one
/// queue at a time, so one link suffices and queueing allocates nothing). Not synchronized: the owning primitive
/// guards it with its <see cref="SpinLockWord"/>.
/// </summary>
struct WaitQueue
{
    UThread? _head, _tail;

    public bool IsEmpty => _head == null;

    /// <summary>Walks the queue: O(n), for tests and diagnostics only.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            for (var t = _head; t != null; t = t.NextWaiter) n++;
            return n;
        }
    }

    public void Enqueue(UThread t)
    {
        t.NextWaiter = null;
        if (_tail == null) _head = t;
        else _tail.NextWaiter = t;
        _tail = t;
    }

    /// <summary>
    /// A mutex's queue: puts <paramref name="t"/> behind the threads at the head that lost a race for the mutex
    /// (<see cref="UThread.LostMutexRace"/>) and ahead of every other. Those threads form a prefix of the queue, in the
    /// order they lost, so they are dequeued in that order before any thread that has not been woken yet.
    /// </summary>
    public void EnqueueAfterLosers(UThread t)
    {
        UThread? last = null;
        for (var x = _head; x != null && x.LostMutexRace; x = x.NextWaiter) last = x;
        if (last == null)
        {
            t.NextWaiter = _head;
            _head = t;
            _tail ??= t;
            return;
        }
        t.NextWaiter = last.NextWaiter;
        last.NextWaiter = t;
        if (ReferenceEquals(_tail, last)) _tail = t;
    }

    /// <summary>True when the threads marked <see cref="UThread.LostMutexRace"/> are a prefix of the queue (a mutex's invariant; O(n), for Debug checks).</summary>
    public bool LosersArePrefix()
    {
        var t = _head;
        while (t != null && t.LostMutexRace) t = t.NextWaiter;
        while (t != null && !t.LostMutexRace) t = t.NextWaiter;
        return t == null;
    }

    public UThread? Dequeue()
    {
        var t = _head;
        if (t == null) return null;
        _head = t.NextWaiter;
        if (_head == null) _tail = null;
        t.NextWaiter = null;
        return t;
    }

    /// <summary>Empties the queue and returns its former head; walk the chain with <see cref="WakeChain"/>.</summary>
    public UThread? TakeAll()
    {
        var h = _head;
        _head = _tail = null;
        return h;
    }

    /// <summary>Wakes every thread of a chain returned by <see cref="TakeAll"/> (call after releasing the lock).</summary>
    public static void WakeChain(Scheduler waker, UThread? chain)
    {
        while (chain != null)
        {
            var next = chain.NextWaiter;   // read before the wake: once woken, the thread may queue elsewhere
            chain.NextWaiter = null;
            waker.Wake(chain);
            chain = next;
        }
    }
}

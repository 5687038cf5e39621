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

    /// <summary>Puts <paramref name="t"/> at the head: it is the next to be dequeued.</summary>
    public void EnqueueFront(UThread t)
    {
        t.NextWaiter = _head;
        _head = t;
        _tail ??= t;
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

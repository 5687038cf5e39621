using System.Diagnostics;

namespace Multikernel.Threads;

/// <summary>
/// A counting semaphore for the user threads of one domain. <see cref="Release"/> hands units directly to waiters
/// in FIFO order before adding the rest to the count, so a unit released while a thread waits always reaches a
/// waiter (no lost wake-ups, no barging).
/// <para>Invariant: under <c>_lock</c>, the count is positive only while the waiter queue is empty.</para>
/// </summary>
public sealed class Semaphore
{
    SpinLockWord _lock;
    long _count;
    WaitQueue _waiters;

    public Semaphore(long initialCount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCount);
        _count = initialCount;
    }

    /// <summary>Units available now (a snapshot).</summary>
    public long CurrentCount => Volatile.Read(ref _count);

    /// <summary>Takes one unit, parking the current thread until one is released to it.</summary>
    public ParkingAwaitable<Take> WaitAsync() => new(new Take(this));

    /// <summary>Takes one unit if available.</summary>
    public bool TryWait()
    {
        _lock.Enter();
        bool ok = _count > 0;
        if (ok) _count--;
        _lock.Exit();
        return ok;
    }

    /// <summary>Releases <paramref name="units"/> units: waiters first, the remainder to the count.</summary>
    public void Release(int units = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        var s = Scheduler.CurrentOrThrow;
        WaitQueue woken = default;
        _lock.Enter();
        while (units > 0 && _waiters.Dequeue() is { } t)
        {
            woken.Enqueue(t);
            units--;
        }
        _count += units;
        AssertInvariants();
        _lock.Exit();
        WaitQueue.WakeChain(s, woken.TakeAll());
    }

    bool TakeOrQueue(UThread me)
    {
        _lock.Enter();
        bool ok = _count > 0;
        if (ok) _count--;
        else _waiters.Enqueue(me);
        AssertInvariants();
        _lock.Exit();
        return ok;
    }

    /// <summary>Under the lock: units are counted only while nobody waits for one (checked in Debug builds).</summary>
    [Conditional("DEBUG")]
    void AssertInvariants() => Debug.Assert(_count >= 0 && (_count == 0 || _waiters.IsEmpty), $"semaphore: count {_count} with waiters queued");

    /// <summary>The wait of <see cref="WaitAsync"/>: takes a unit if one is available, else queues.</summary>
    public readonly struct Take : IParkingWait
    {
        readonly Semaphore _semaphore;
        internal Take(Semaphore semaphore) => _semaphore = semaphore;
        bool IParkingWait.CompleteOrQueue(UThread current) => _semaphore.TakeOrQueue(current);
    }
}

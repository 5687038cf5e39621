using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Multikernel.Threads;

/// <summary>
/// A domain-wide barrier for a fixed number of user threads, on any dispatchers of the domain. The last thread to
/// arrive starts the next generation and wakes the others (those on other dispatchers by URPC message to theirs);
/// it continues without parking.
/// <para>Invariant: under <c>_lock</c>, <c>_arrived</c> counts the threads queued in the current generation
/// (0 ≤ arrived &lt; participants), and all of them are in the waiter queue.</para>
/// </summary>
public sealed class Barrier
{
    SpinLockWord _lock;
    int _arrived;
    long _generation;
    WaitQueue _waiters;

    public int Participants { get; }

    /// <summary>Generations completed so far (a snapshot).</summary>
    public long Generation => Volatile.Read(ref _generation);

    public Barrier(int participants)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(participants);
        Participants = participants;
    }

    /// <summary>Arrives and waits until all <see cref="Participants"/> threads have arrived in this generation.</summary>
    public WaitAwaitable SignalAndWaitAsync() => new(this);

    bool ArriveOrQueue(UThread me)
    {
        _lock.Enter();
        if (++_arrived < Participants)
        {
            _waiters.Enqueue(me);
            AssertInvariants();
            _lock.Exit();
            return false;
        }
        _arrived = 0;
        Volatile.Write(ref _generation, _generation + 1);
        var chain = _waiters.TakeAll();
        AssertInvariants();
        _lock.Exit();
        WaitQueue.WakeChain(me.Home!, chain);
        return true;
    }

    /// <summary>Under the lock: 0 ≤ arrived &lt; participants, and threads wait exactly when some have arrived (checked in Debug builds).</summary>
    [Conditional("DEBUG")]
    void AssertInvariants() =>
        Debug.Assert(_arrived >= 0 && _arrived < Participants && (_arrived == 0) == _waiters.IsEmpty, $"barrier: {_arrived} of {Participants} arrived");

    /// <summary>Awaitable of <see cref="SignalAndWaitAsync"/>.</summary>
    public readonly struct WaitAwaitable : ICriticalNotifyCompletion, IUAwaiter
    {
        readonly Barrier _barrier;
        internal WaitAwaitable(Barrier barrier) => _barrier = barrier;
        public WaitAwaitable GetAwaiter() => this;
        /// <summary>Arrives: true for the last arriver (which wakes the rest), else queues the current thread.</summary>
        public bool IsCompleted => _barrier.ArriveOrQueue(UThread.CurrentForWait());
        public void GetResult() { }
        public void OnCompleted(Action continuation) => Scheduler.CurrentOrThrow.Park(continuation);
        public void UnsafeOnCompleted(Action continuation) => Scheduler.CurrentOrThrow.Park(continuation);
    }
}

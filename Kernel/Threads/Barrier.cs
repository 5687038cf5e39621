using System.Diagnostics;

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
    public ParkingAwaitable<Arrival> SignalAndWaitAsync() => new(new Arrival(this));

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

    /// <summary>The wait of <see cref="SignalAndWaitAsync"/>: arrives; completes for the last arriver (which wakes the rest), else queues.</summary>
    public readonly struct Arrival : IParkingWait
    {
        readonly Barrier _barrier;
        internal Arrival(Barrier barrier) => _barrier = barrier;
        bool IParkingWait.CompleteOrQueue(UThread current) => _barrier.ArriveOrQueue(current);
    }
}

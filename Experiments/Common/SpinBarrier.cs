namespace Experiments.Common;

/// <summary>
/// A sense-reversing barrier for a fixed group of pinned measurement threads. Waiters spin (then yield, so an
/// oversubscribed machine still makes progress) so that all threads leave the barrier within a few hundred cycles
/// of each other and start a timed phase together. Harness only: it is used between timed phases, never inside one.
/// <para>Invariant: exactly <see cref="Participants"/> threads call <see cref="SignalAndWait"/> per phase;
/// <see cref="Abort"/> releases every waiter with an exception (a peer failed, the phase will never complete).</para>
/// </summary>
public sealed class SpinBarrier
{
    // Arrival count and phase sit on separate 128-byte blocks from each other and from the object header.
    readonly Multikernel.Hardware.PaddedLong[] _state = new Multikernel.Hardware.PaddedLong[3];
    volatile bool _aborted;

    public int Participants { get; }

    public SpinBarrier(int participants)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(participants, 1);
        Participants = participants;
    }

    ref long Arrived => ref _state[1].Value;
    ref long Phase => ref _state[2].Value;

    /// <summary>Arrives and waits for the other participants. Throws if the barrier was aborted.</summary>
    public void SignalAndWait()
    {
        long phase = Volatile.Read(ref Phase);
        if (Interlocked.Increment(ref Arrived) == Participants)
        {
            Volatile.Write(ref Arrived, 0);
            Interlocked.Increment(ref Phase);
            return;
        }
        var spinner = new SpinWait();
        while (Volatile.Read(ref Phase) == phase)
        {
            if (_aborted) throw new OperationCanceledException("barrier aborted: another measurement thread failed");
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    public void Abort() => _aborted = true;
}

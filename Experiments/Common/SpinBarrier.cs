using System.Runtime.Intrinsics.X86;

namespace Experiments.Common;

/// <summary>
/// A sense-reversing barrier for a fixed group of pinned measurement threads. Waiters spin <see cref="PauseSpins"/>
/// pauses (then yield, so an oversubscribed machine still makes progress) so that all threads leave the barrier within a few hundred cycles
/// of each other and start a timed phase together. Harness only: it is used between timed phases, never inside one.
/// <para>Invariant: exactly <see cref="Participants"/> threads call <see cref="SignalAndWait"/> per phase;
/// <see cref="Abort"/> releases every waiter with an exception (a peer failed, the phase will never complete).</para>
/// </summary>
public sealed class SpinBarrier
{
    // Arrival count and phase sit on separate 128-byte blocks from each other and from the object header.
    readonly Multikernel.Hardware.PaddedLong[] _state = new Multikernel.Hardware.PaddedLong[3];
    volatile bool _aborted;

    /// <summary>Pause instructions a waiter spins before it starts yielding its core (the C twin's count).</summary>
    public const int PauseSpins = 1000;

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
        // The C twin's wait (Benchmarks/native/fig1_twin.c, barrier_wait): PauseSpins pause instructions, then a yield
        // per check. Spinning that long keeps a waiter on its core while its peers finish a warm-up, so the threads
        // start a timed phase together; yielding after a few spins (SpinWait) would let another process take the
        // core on a loaded machine and start the phase with the threads apart, unlike the twin.
        for (int spins = 0; Volatile.Read(ref Phase) == phase; spins++)
        {
            if (_aborted) throw new OperationCanceledException("barrier aborted: another measurement thread failed");
            if (spins < PauseSpins)
            {
                if (X86Base.IsSupported) X86Base.Pause();
                else Thread.SpinWait(1);
            }
            else Thread.Yield();
        }
    }

    public void Abort() => _aborted = true;
}

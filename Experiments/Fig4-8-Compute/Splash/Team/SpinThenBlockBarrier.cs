using System.Diagnostics;
using System.Runtime.InteropServices;
using Multikernel.Domains;

namespace Splash.Team;

/// <summary>
/// A phase-counting barrier with a spin-then-block wait: a waiter spins on the phase word for up to
/// <see cref="SpinBudget"/>, then blocks on a monitor until the last arriver releases the phase. With the default
/// budget it is the active wait policy of OpenMP runtimes (libgomp's spin count, Intel's KMP_BLOCKTIME), equal to the
/// multikernel dispatchers' polling after a fork-join region (DomainOptions.DefaultPollBudget, 2 ms), so a comparison
/// with the multikernel compares designs, not wait policies; with <see cref="ShortSpinBudget"/> it is a blocking barrier.
/// <para>Invariant: exactly <see cref="Participants"/> threads arrive per phase. The arrival count and the phase
/// word sit on their own 128-byte blocks. The last arriver resets the count before it advances the phase (a full
/// fence), so no thread of the next phase counts into the old one; it reads the sleeper count after that fence and
/// waiters count themselves before their last phase check under the monitor, so no wake-up is lost.</para>
/// </summary>
public sealed class SpinThenBlockBarrier
{
    /// <summary>
    /// The spin budget of <see cref="SpinThenBlockBarrier(int)"/>: the multikernel dispatchers' polling budget
    /// (<see cref="DomainOptions.DefaultPollBudget"/>, 2 ms).
    /// </summary>
    public static readonly TimeSpan DefaultSpinBudget = DomainOptions.DefaultPollBudget;

    /// <summary>
    /// A blocking policy's budget: 20 microseconds, about as long as <see cref="System.Threading.Barrier"/>'s events spin
    /// (a few dozen spin-wait rounds) before the thread sleeps.
    /// </summary>
    public static readonly TimeSpan ShortSpinBudget = TimeSpan.FromMicroseconds(20);

    readonly Lines _lines = new();
    readonly object _gate = new();
    readonly long _spinTicks;

    public int Participants { get; }

    /// <summary>How long a waiter spins before it blocks.</summary>
    public TimeSpan SpinBudget { get; }

    public SpinThenBlockBarrier(int participants) : this(participants, DefaultSpinBudget) { }

    public SpinThenBlockBarrier(int participants, TimeSpan spinBudget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(participants, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(spinBudget, TimeSpan.Zero);
        Participants = participants;
        SpinBudget = spinBudget;
        _spinTicks = (long)(spinBudget.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Arrives and waits for the other participants; a cancelled <paramref name="cancel"/> ends a blocked wait.</summary>
    public void SignalAndWait(CancellationToken cancel = default)
    {
        long phase = Volatile.Read(ref _lines.Phase);
        if (Interlocked.Increment(ref _lines.Arrived) == Participants)
        {
            Volatile.Write(ref _lines.Arrived, 0);
            Interlocked.Increment(ref _lines.Phase);
            if (Volatile.Read(ref _lines.Sleepers) != 0)
                lock (_gate) Monitor.PulseAll(_gate);
            return;
        }
        if (Spin(phase)) return;
        lock (_gate)
        {
            Interlocked.Increment(ref _lines.Sleepers);
            try
            {
                while (Volatile.Read(ref _lines.Phase) == phase)
                {
                    Monitor.Wait(_gate, TeamAbort.PollInterval);
                    cancel.ThrowIfCancellationRequested();
                }
            }
            finally { Interlocked.Decrement(ref _lines.Sleepers); }
        }
    }

    /// <summary>Spins until the phase moves on (true) or the budget is spent (false).</summary>
    bool Spin(long phase)
    {
        long deadline = Stopwatch.GetTimestamp() + _spinTicks;
        for (int i = 0; ; i++)
        {
            if (Volatile.Read(ref _lines.Phase) != phase) return true;
            Thread.SpinWait(8);
            if ((i & 31) == 31 && Stopwatch.GetTimestamp() > deadline) return false;
        }
    }

    [StructLayout(LayoutKind.Explicit, Size = 512)]
    sealed class Lines
    {
        [FieldOffset(128)] public long Arrived;
        [FieldOffset(256)] public long Phase;
        [FieldOffset(384)] public int Sleepers;
    }
}

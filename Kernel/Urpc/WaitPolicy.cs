using Multikernel.Hardware;

namespace Multikernel.Urpc;

/// <summary>
/// How a core waits for work, the one wait strategy of the kernel (in the spirit of Disruptor-net's IWaitStrategy):
/// poll for a budget of <see cref="PollCycles"/> cycles since the last progress, then announce sleep on the core's
/// notifier, check once more, and block until a producer wakes it (each sleep bounded by
/// <see cref="Notifier.MaxSleep"/>, the modelled IPI halt). Used by the CPU driver's idle loop
/// (<see cref="MultikernelOptions.WaitPolicy"/>), by <see cref="Waitset.Wait"/> and by a domain dispatcher's nested
/// waits (fork-join joins, steals). Experiments record the policies they ran with in their meta.json.
/// <para>Between two checks the spinning core runs <see cref="SpinIterations"/> iterations of
/// <see cref="Thread.SpinWait(int)"/> (0: none, a tight poll).</para>
/// </summary>
public sealed class WaitPolicy
{
    /// <summary>The CPU drivers' default: poll 200 000 cycles (about 70 µs at 3 GHz), pausing 8 spin iterations between checks.</summary>
    public static WaitPolicy Default { get; } = new(200_000);

    /// <summary>Cycles a core keeps polling, since its last progress, before it blocks on its notifier.</summary>
    public long PollCycles { get; }
    /// <summary><see cref="Thread.SpinWait(int)"/> iterations between two checks while polling.</summary>
    public int SpinIterations { get; }

    public WaitPolicy(long pollCycles, int spinIterations = 8)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pollCycles);
        ArgumentOutOfRangeException.ThrowIfNegative(spinIterations);
        PollCycles = pollCycles;
        SpinIterations = spinIterations;
    }

    /// <summary>A policy whose budget is <paramref name="budget"/> of wall time, converted with the calibrated cycle clock.</summary>
    public static WaitPolicy ForDuration(TimeSpan budget, int spinIterations = 8)
    {
        if (budget < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(budget), budget, "a poll budget cannot be negative");
        return new WaitPolicy((long)CycleClock.FromNanoseconds(budget.TotalMilliseconds * 1e6), spinIterations);
    }

    /// <summary>
    /// One idle step: polls <paramref name="probe"/> until it reports work or the budget (counted in
    /// <paramref name="state"/> since the last progress) is spent; then announces sleep on
    /// <paramref name="notifier"/>, checks once more and sleeps until woken, until <see cref="Notifier.MaxSleep"/>, or
    /// until the cycle-counter time <paramref name="wakeAt"/> (a timer of the caller: the sleep never passes it).
    /// Returns true when the probe reported work or <paramref name="wakeAt"/> has come; false after a sleep (the caller
    /// re-checks its work either way).
    /// </summary>
    public bool Idle<TProbe>(ref WaitState state, ref TProbe probe, Notifier notifier, ulong wakeAt = ulong.MaxValue) where TProbe : struct, IWorkProbe
    {
        if (probe.HasWork()) return true; // work already pending (a dispatcher with local work): no clock read
        ulong now = CycleClock.Now();
        if (state.IdleSince == 0) state.IdleSince = now;
        ulong end = Math.Min(state.IdleSince + (ulong)PollCycles, wakeAt);
        while (now < end)
        {
            if (SpinIterations > 0) Thread.SpinWait(SpinIterations);
            if (probe.HasWork()) return true;
            now = CycleClock.Now();
        }
        if (now >= wakeAt) return true;
        notifier.PrepareToSleep();
        if (probe.HasWork())
        {
            notifier.CancelSleep();
            return true;
        }
        if (wakeAt == ulong.MaxValue) notifier.Sleep();
        else notifier.Sleep(TimeSpan.FromMilliseconds(Math.Max(0.001, CycleClock.ToNanoseconds(wakeAt - now) / 1e6)));
        return false;
    }

    /// <summary>For meta.json and logs, e.g. "poll 200000 cycles (spin 8), then futex sleep (at most 2 ms per sleep)".</summary>
    public override string ToString() =>
        $"poll {PollCycles} cycles (spin {SpinIterations}), then futex sleep (at most {Notifier.MaxSleep.TotalMilliseconds:0.###} ms per sleep)";
}

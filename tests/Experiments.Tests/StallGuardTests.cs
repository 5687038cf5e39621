using System.Reflection;
using Experiments.Common;
using Fig1.SharedState;

namespace Experiments.Tests;

/// <summary>The stall guard of Fig 1's spinning loops turns a spin without progress into an error, however fast the spin.</summary>
public class StallGuardTests
{
    /// <summary>
    /// The host's bound is on a stall, not on the run: a measurement whose progress keeps changing is waited for however
    /// long it runs (here five stall periods: the progress source completes the run on its fifth reading), and one whose
    /// progress stands still for a whole stall period is reported as stalled.
    /// </summary>
    [Fact]
    public void TheHostWaitsForAProgressingRunPastTheStallBound()
    {
        var run = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        long readings = 0;
        long Progress()
        {
            long n = ++readings;
            if (n == 5) run.TrySetResult(42);
            return n;
        }
        Assert.Equal(42, ProgressWait.For(run.Task, Progress, "a test run", TimeSpan.FromMilliseconds(20)));
        Assert.Equal(5, readings);
    }

    /// <summary>
    /// A guard armed, then polled empty as many times as a 32-bit counter holds before it goes round (2^32 at about
    /// 14 ns a poll is under a minute): the deadline must stay where it was (not re-armed), so that the spin ends in
    /// the error once it has passed. The counter and deadline are set by reflection: reaching 2^32 polls takes seconds.
    /// </summary>
    [Fact]
    public void AStallIsReportedEvenWhenTheEmptyPollsPassTheCountersWidth()
    {
        object boxed = new StallGuard();
        var spins = typeof(StallGuard).GetField("_spins", BindingFlags.NonPublic | BindingFlags.Instance)!;
        var deadline = typeof(StallGuard).GetField("_deadline", BindingFlags.NonPublic | BindingFlags.Instance)!;
        spins.SetValue(boxed, Convert.ChangeType(uint.MaxValue, spins.FieldType));
        long armed = Environment.TickCount64 + 600_000; // far enough that no descheduling of this thread reaches it
        deadline.SetValue(boxed, armed);
        var guard = (StallGuard)boxed;
        for (int i = 0; i < 0x10001; i++) guard.Spin("a test"); // past 2^32 polls and on to the next check
        boxed = guard;
        Assert.Equal(armed, (long)deadline.GetValue(boxed)!);  // not re-armed on the way past 2^32
        deadline.SetValue(boxed, Environment.TickCount64 - 1); // the deadline has passed, nothing arrived
        guard = (StallGuard)boxed;
        var e = Assert.Throws<TimeoutException>(() =>
        {
            for (int i = 0; i < 0x10000; i++) guard.Spin("a test");
        });
        Assert.Contains("while waiting for a test", e.Message);
    }

    /// <summary>
    /// A guard that has spun past its first check (its deadline armed, here long past) and then sees progress arms a
    /// fresh deadline at its next check instead of throwing on the old one: progress starts the poll count again.
    /// </summary>
    [Fact]
    public void ProgressRearmsTheDeadline()
    {
        object boxed = new StallGuard();
        var spins = typeof(StallGuard).GetField("_spins", BindingFlags.NonPublic | BindingFlags.Instance)!;
        var deadline = typeof(StallGuard).GetField("_deadline", BindingFlags.NonPublic | BindingFlags.Instance)!;
        spins.SetValue(boxed, Convert.ChangeType(0x28000, spins.FieldType)); // past its first check
        deadline.SetValue(boxed, Environment.TickCount64 - 1); // an old deadline, long past
        var guard = (StallGuard)boxed;
        guard.Progress();
        for (int i = 0; i < 0x30000; i++) guard.Spin("a test"); // three checks, all within the fresh deadline
    }
}

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
    /// A guard whose deadline runs out soon, after as many empty polls as its counter held before it went round
    /// (2^32 at about 14 ns a poll is under a minute): the deadline must stay where it was, so that the spin ends in
    /// the error once it has passed. The counter and deadline are set by reflection: reaching 2^32 polls takes seconds.
    /// </summary>
    [Fact]
    public void AStallIsReportedEvenWhenTheEmptyPollsPassTheCountersWidth()
    {
        object boxed = new StallGuard();
        var spins = typeof(StallGuard).GetField("_spins", BindingFlags.NonPublic | BindingFlags.Instance)!;
        var deadline = typeof(StallGuard).GetField("_deadline", BindingFlags.NonPublic | BindingFlags.Instance)!;
        spins.SetValue(boxed, Convert.ChangeType(uint.MaxValue, spins.FieldType));
        deadline.SetValue(boxed, Environment.TickCount64 + 200);
        var guard = (StallGuard)boxed;
        for (int i = 0; i < 0x10001; i++) guard.Spin("a test"); // past 2^32 polls and on to the next check
        Thread.Sleep(400);                                     // the deadline has passed, nothing arrived
        var e = Assert.Throws<TimeoutException>(() =>
        {
            for (int i = 0; i < 0x10000; i++) guard.Spin("a test");
        });
        Assert.Contains("while waiting for a test", e.Message);
    }

    [Fact]
    public void ProgressRearmsTheDeadline()
    {
        object boxed = new StallGuard();
        var deadline = typeof(StallGuard).GetField("_deadline", BindingFlags.NonPublic | BindingFlags.Instance)!;
        deadline.SetValue(boxed, Environment.TickCount64 - 1); // an old deadline, long past
        var guard = (StallGuard)boxed;
        guard.Progress();
        for (int i = 0; i < 0x30000; i++) guard.Spin("a test"); // three checks, all within the fresh deadline
    }
}

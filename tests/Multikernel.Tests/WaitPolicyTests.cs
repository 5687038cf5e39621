
namespace Multikernel.Tests;

public class WaitPolicyTests
{
    struct CountingProbe(int workAfter) : IWorkProbe
    {
        public int Checks;
        public bool HasWork() => ++Checks > workAfter;
    }

    [Fact]
    public void ReturnsAtOnceWhenThereIsWork()
    {
        using var notifier = new Notifier();
        var state = new WaitState();
        var probe = new CountingProbe(workAfter: 0);
        Assert.True(new WaitPolicy(long.MaxValue / 2).Idle(ref state, ref probe, notifier));
        Assert.Equal(1, probe.Checks);
        Assert.False(notifier.IsSleeping);
    }

    [Fact]
    public void PollsWithinTheBudgetThenSleepsOnceTheBudgetIsSpent()
    {
        using var notifier = new Notifier();
        var policy = new WaitPolicy(pollCycles: 0, spinIterations: 0);
        var state = new WaitState();
        var idle = new CountingProbe(workAfter: int.MaxValue);
        Assert.False(policy.Idle(ref state, ref idle, notifier)); // no budget: announce, re-check, sleep (bounded)
        Assert.Equal(2, idle.Checks);                                 // the check on entry and the re-check after announcing sleep
        Assert.False(notifier.IsSleeping);

        // Work that shows up during the re-check after announcing sleep (not on entry) cancels the sleep.
        var late = new CountingProbe(workAfter: 1);
        Assert.True(policy.Idle(ref state, ref late, notifier));
        Assert.Equal(2, late.Checks);                                 // none on entry, then work at the re-check
        Assert.False(notifier.IsSleeping, "work found at the re-check after announcing sleep left the notifier announcing sleep");
    }

    /// <summary>
    /// The budget counts from the start of the idle spell, kept in the wait state: a step of a spell whose budget is
    /// spent announces sleep at once (no polling), and after <see cref="WaitState.Reset"/> (progress) the next step has
    /// a whole budget again and polls.
    /// </summary>
    [Fact]
    public void TheBudgetCountsFromTheLastProgress()
    {
        using var notifier = new Notifier();
        var policy = WaitPolicy.ForDuration(TimeSpan.FromSeconds(10), spinIterations: 0);
        var state = new WaitState();
        var probe = new CountingProbe(workAfter: 3);
        Assert.True(policy.Idle(ref state, ref probe, notifier)); // found work while polling, long before the budget
        Assert.Equal(4, probe.Checks);

        state.IdleSince = CycleClock.Now() - (ulong)policy.PollCycles - 1; // a spell that began a whole budget ago
        var spent = new CountingProbe(workAfter: 50);
        Assert.False(policy.Idle(ref state, ref spent, notifier));  // no polling: announce, re-check, sleep (bounded)
        Assert.Equal(2, spent.Checks);

        state.Reset();                                                // progress: a new spell, a whole budget
        var fresh = new CountingProbe(workAfter: 50);
        Assert.True(policy.Idle(ref state, ref fresh, notifier), "after Reset the idle step did not poll: the spent budget was kept");
        Assert.Equal(51, fresh.Checks);

        Assert.True(policy.PollCycles > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => WaitPolicy.ForDuration(TimeSpan.FromMilliseconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WaitPolicy(-5));
        Assert.Contains("200000 cycles", WaitPolicy.Default.ToString());
    }
}

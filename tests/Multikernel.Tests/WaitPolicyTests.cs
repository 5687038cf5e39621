
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
    /// A caller's timer that has already come ends the idle step at once: it returns true (the time has come), without
    /// announcing sleep and without a second look at the probe, however much poll budget is left.
    /// </summary>
    [Fact]
    public void AWakeTimeAlreadyPastReturnsWithoutAnnouncingSleep()
    {
        using var notifier = new Notifier();
        var policy = new WaitPolicy(long.MaxValue / 2, spinIterations: 0);
        var state = new WaitState();
        var idle = new CountingProbe(workAfter: int.MaxValue);
        Assert.True(policy.Idle(ref state, ref idle, notifier, wakeAt: 1), "the idle step slept past a wake time that had already come");
        Assert.Equal(1, idle.Checks);
        Assert.False(notifier.IsSleeping);
        Assert.Equal(0, notifier.Wakeups);
    }

    [Fact]
    public void ANegativeSpinCountIsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new WaitPolicy(1000, spinIterations: -1));
        Assert.Equal("spinIterations", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => WaitPolicy.ForDuration(TimeSpan.FromMilliseconds(1), spinIterations: -8));
    }

    /// <summary>
    /// A sender's wake-up ends a core's blocked sleep at once (the futex wake), not only when the sleep's timeout runs
    /// out: a thread blocked in a two-minute sleep on the notifier (seen blocked in the futex system call through
    /// /proc) returns as soon as it is woken.
    /// </summary>
    [Fact]
    public void AWakeUpEndsABlockedSleep()
    {
        using var notifier = new Notifier();
        string? task = null;
        var sleeper = new Thread(() =>
        {
            Volatile.Write(ref task, new DirectoryInfo("/proc/thread-self").LinkTarget);
            notifier.PrepareToSleep();
            notifier.SleepUpTo(TimeSpan.FromMinutes(2));
        }) { IsBackground = true };
        sleeper.Start();
        string futex = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "98" : "202";
        var until = DateTime.UtcNow.AddSeconds(20);
        bool blocked = false;
        while (!blocked && DateTime.UtcNow < until)
        {
            Thread.Sleep(1);
            if (Volatile.Read(ref task) is not { } t) continue;
            string call;
            try { call = File.ReadAllText($"/proc/{t}/syscall"); }
            catch (IOException) { break; }
            catch (UnauthorizedAccessException) { break; }
            blocked = notifier.IsSleeping && call.Split(' ')[0] == futex;
        }
        Assert.SkipUnless(blocked, "the sleeping thread was not seen blocked in the futex call (no /proc/<task>/syscall here)");
        notifier.Wake();
        Assert.True(sleeper.Join(TimeSpan.FromSeconds(30)), "a woken core stayed blocked in its sleep: the wake-up did not reach the futex");
        Assert.Equal(1, notifier.Wakeups);
        Assert.False(notifier.IsSleeping);
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

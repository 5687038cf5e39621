using Experiments.Common;

namespace Experiments.Tests;

/// <summary>
/// The wait for a pinned thread group is bounded by a stall, not by the length of the run: a group whose progress count
/// keeps changing is waited for however long it runs, one whose count stands still for a whole period is reported.
/// </summary>
public class PinnedThreadGroupTests
{
    /// <summary>The thread finishes only once the progress count has been read five times, five stall periods in.</summary>
    [Fact]
    public void AGroupThatKeepsProgressingIsWaitedForPastTheStallBound()
    {
        using var release = new ManualResetEventSlim();
        long readings = 0;
        long Progress()
        {
            long n = Interlocked.Increment(ref readings);
            if (n == 5) release.Set();
            return n;
        }
        try
        {
            PinnedThreadGroup.Run(TestCores.First(1), (_, _) =>
            {
                if (!release.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("the test never released the thread");
            }, TimeSpan.FromMilliseconds(20), Progress);
            Assert.True(Interlocked.Read(ref readings) >= 5);
        }
        finally { release.Set(); }
    }

    [Fact]
    public void AThreadThatFailedIsReportedAsTheCauseWhenItsPeerCannotNoticeAndTheGroupStalls()
    {
        // Thread 1 fails before it takes part; thread 0 then waits for it outside the barrier (as a ping-pong loop waits
        // for its echo), where the barrier's abort cannot release it, and the group stalls. The caller was told only
        // that the threads "made no progress": the failure that caused it was lost. The progress count is first read
        // once thread 0 is stuck (after the abort, so after thread 1's failure was recorded) and never changes.
        using var release = new ManualResetEventSlim();
        using var stuck = new ManualResetEventSlim();
        int core = TestCores.First(1)[0];
        try
        {
            var e = Assert.Throws<AggregateException>(() =>
                PinnedThreadGroup.Run([core, core], (w, barrier) =>
                {
                    if (w == 1) throw new InvalidOperationException("the echo thread failed");
                    try { barrier.SignalAndWait(); }
                    catch (OperationCanceledException) { }
                    stuck.Set();
                    release.Wait(TimeSpan.FromSeconds(30));
                }, TimeSpan.FromMilliseconds(20), () => stuck.Wait(TimeSpan.FromSeconds(30)) ? 7 : 0));
            Assert.IsType<InvalidOperationException>(e.InnerException);
            Assert.Contains("the echo thread failed", e.Message);
            Assert.Contains("no progress", e.Message);
        }
        finally { release.Set(); }
    }

    [Fact]
    public void AGroupWhoseProgressStandsStillIsReported()
    {
        using var release = new ManualResetEventSlim();
        try
        {
            var e = Assert.Throws<TimeoutException>(() =>
                PinnedThreadGroup.Run(TestCores.First(1), (_, _) => release.Wait(TimeSpan.FromSeconds(30)), TimeSpan.FromMilliseconds(20), () => 7));
            Assert.Contains("no progress", e.Message);
        }
        finally { release.Set(); }
    }
}

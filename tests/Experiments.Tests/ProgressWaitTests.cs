using Experiments.Common;

namespace Experiments.Tests;

/// <summary>
/// The stall watch of the experiments (Fig 1, Fig 3): a run whose operation count stops growing for a whole stall interval ends with a timeout
/// naming what stalled; a run that keeps completing operations, however slowly, is waited for to the end.
/// </summary>
public class ProgressWaitTests
{
    static readonly TimeSpan Stall = TimeSpan.FromMinutes(2);

    [Fact]
    public void A_run_that_stops_progressing_times_out_naming_what_stalled_and_where()
    {
        long count = 0;
        int waits = 0;
        // Progresses through three waits, then stands still; never finishes.
        bool Wait(TimeSpan t)
        {
            Assert.Equal(Stall, t);
            if (++waits <= 3) count += 10;
            return false;
        }
        var e = Assert.Throws<TimeoutException>(() => ProgressWait.Until(Wait, () => count, "the fake initiator's loop", Stall));
        Assert.Equal(4, waits); // the first wait without progress ends it
        Assert.Contains("no progress for 120 s", e.Message);
        Assert.Contains("still at 30 operations", e.Message);
        Assert.Contains("waiting for the fake initiator's loop", e.Message);
    }

    [Fact]
    public void A_run_that_progresses_slowly_is_not_stopped()
    {
        long count = 0;
        int waits = 0;
        // One operation per stall interval, for a thousand intervals (far longer than any fixed whole-run limit), then done.
        bool Wait(TimeSpan t)
        {
            count++;
            return ++waits == 1000;
        }
        ProgressWait.Until(Wait, () => count, "the slow loop", Stall);
        Assert.Equal(1000, waits);
    }

    [Fact]
    public void A_run_that_finishes_without_counting_is_not_a_stall()
    {
        int waits = 0;
        ProgressWait.Until(_ => ++waits == 1, () => 0, "a loop done at once", Stall);
        Assert.Equal(1, waits);
    }

    [Fact]
    public void The_failure_of_the_wait_itself_reaches_the_caller()
    {
        // E.g. a core process that died: the wait throws, the watch does not turn it into a timeout.
        var e = Assert.Throws<InvalidOperationException>(() =>
            ProgressWait.Until(_ => throw new InvalidOperationException("core process 1 exited with code 134"), () => 0, "the loop", Stall));
        Assert.Contains("exited", e.Message);
    }

    [Fact]
    public void A_task_that_never_completes_nor_progresses_times_out()
    {
        var never = new TaskCompletionSource<int>();
        var e = Assert.Throws<TimeoutException>(() => ProgressWait.For(never.Task, () => 5, "the stuck task", TimeSpan.FromMilliseconds(50)));
        Assert.Contains("still at 5 operations", e.Message);
        Assert.Contains("the stuck task", e.Message);
    }

    [Fact]
    public async Task A_task_that_completes_while_progressing_gives_its_result()
    {
        long count = 0;
        var work = Task.Run(async () =>
        {
            for (int i = 0; i < 20; i++)
            {
                await Task.Delay(5);
                Interlocked.Increment(ref count);
            }
            return 42;
        });
        int result = await Task.Run(() => ProgressWait.For(work, () => Interlocked.Read(ref count), "the worker", TimeSpan.FromMinutes(1)));
        Assert.Equal(42, result);
        Assert.Equal(20, Interlocked.Read(ref count));
    }
}

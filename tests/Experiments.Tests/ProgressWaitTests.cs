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
        var clock = new FakeClock();
        long count = 0;
        TimeSpan lastChange = TimeSpan.Zero;
        // Progresses through three one-second waits, then stands still; never finishes.
        bool Wait(TimeSpan t)
        {
            Assert.True(t <= StallWatch.Poll, $"waited {t} at once");
            clock.Advance(t);
            if (clock.Now <= TimeSpan.FromSeconds(3)) { count += 10; lastChange = clock.Now; }
            return false;
        }
        var e = Assert.Throws<TimeoutException>(() => ProgressWait.Until(Wait, () => count, "the fake initiator's loop", Stall, clock: clock));
        Assert.Equal(Stall, clock.Now - lastChange); // ends when the count has stood still for exactly the stall interval
        Assert.Contains("no progress for 120 s", e.Message);
        Assert.Contains("still at 30 operations", e.Message);
        Assert.Contains("waiting for the fake initiator's loop", e.Message);
    }

    [Fact]
    public void A_run_that_progresses_slowly_is_not_stopped()
    {
        var clock = new FakeClock();
        long count = 0;
        int waits = 0;
        // One operation per wait, for a thousand waits (far longer than any fixed whole-run limit), then done.
        bool Wait(TimeSpan t)
        {
            clock.Advance(t);
            count++;
            return ++waits == 1000;
        }
        ProgressWait.Until(Wait, () => count, "the slow loop", Stall, clock: clock);
        Assert.Equal(1000, waits);
    }

    [Fact]
    public void Steps_longer_than_the_stall_interval_are_waited_for_after_a_shorter_first_step()
    {
        // Fig 1 at a large --iterations: a 15 s warm-up batch, then a timed batch ten times as long (150 s, beyond the
        // 120 s stall interval), and so on for three repetitions. Each step is within 20 times the longest before it.
        var clock = new FakeClock();
        var stepEnds = new[] { 15, 165, 180, 330, 345, 495 }.Select(s => TimeSpan.FromSeconds(s)).ToArray();
        long Count() => stepEnds.Count(end => end <= clock.Now);
        ProgressWait.Until(t => { clock.Advance(t); return Count() == stepEnds.Length; }, Count, "the long batches", Stall, counted: "batches", clock: clock);
        Assert.Equal(stepEnds[^1], clock.Now);

        // The same run stopping after its first timed batch is still given up on: after 20 x 150 s without a step.
        var stopped = new FakeClock();
        long CountStopped() => stepEnds.Take(2).Count(end => end <= stopped.Now);
        var e = Assert.Throws<TimeoutException>(() => ProgressWait.Until(t => { stopped.Advance(t); return false; }, CountStopped, "the long batches", Stall, counted: "batches", clock: stopped));
        Assert.Contains("no progress for 3000 s (still at 2 batches)", e.Message);
        Assert.Equal(stepEnds[1] + TimeSpan.FromSeconds(3000), stopped.Now);
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

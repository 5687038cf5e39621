using Multikernel.Threads;
using Splash.Team;

namespace Compute.Tests;

/// <summary>
/// The team contract on every runtime: mutual exclusion under stress, the lock's condition (no lost wake-up), barriers
/// between phases, pauses in polling loops, and a failing worker ending the team with its own exception.
/// </summary>
public class TeamRuntimeTests
{
    /// <summary>Every worker increments a plain counter under one lock, sometimes dawdling inside.</summary>
    sealed class Counting(ITeamRuntime rt, int iterations) : TeamProgram
    {
        readonly TeamLock _lock = rt.NewLock();
        public long Counter;
        int _inside;
        public int Overlaps;

        public override async UTask RunWorker(int worker)
        {
            for (int i = 0; i < iterations; i++)
            {
                await _lock.LockAsync();
                if (Interlocked.Increment(ref _inside) != 1) Interlocked.Increment(ref Overlaps);
                long v = Counter;
                if ((i + worker) % 7 == 0) Thread.SpinWait(200);
                Counter = v + 1;
                Interlocked.Decrement(ref _inside);
                _lock.Unlock();
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.Parallel), MemberType = typeof(TestRuntimes))]
    public void Lock_gives_mutual_exclusion_under_stress(string runtime, int workers) => TeamHarness.With(runtime, workers, rt =>
    {
        var program = new Counting(rt, 20_000);
        rt.RunTeam(program);
        Assert.Equal(0, program.Overlaps);
        Assert.Equal(20_000L * workers, program.Counter);
    });

    /// <summary>The last worker spins for a while after the others have returned (worker 0 returns at once).</summary>
    sealed class LateLastWorker(int workers, TimeSpan late) : TeamProgram
    {
        public override UTask RunWorker(int worker)
        {
            if (worker == workers - 1)
            {
                var sw = System.Diagnostics.Stopwatch.StartNew();
                while (sw.Elapsed < late) Thread.SpinWait(20);
            }
            return UTask.CompletedTask;
        }
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.All), MemberType = typeof(TestRuntimes))]
    public void Team_time_is_worker_0s_until_it_has_joined_every_worker(string runtime, int workers) => TeamHarness.With(runtime, workers, rt =>
    {
        var late = TimeSpan.FromMilliseconds(30);
        var outer = System.Diagnostics.Stopwatch.StartNew();
        var elapsed = rt.RunTeam(new LateLastWorker(workers, late));
        var around = outer.Elapsed;
        Assert.True(elapsed >= late, $"{runtime}: team time {elapsed.TotalMilliseconds:F2} ms, but its last worker spun {late.TotalMilliseconds} ms (worker 0 must join it)");
        Assert.True(elapsed <= around, $"{runtime}: team time {elapsed.TotalMilliseconds:F2} ms exceeds the {around.TotalMilliseconds:F2} ms around RunTeam");
    });

    /// <summary>
    /// Worker 0 completes items in order, each under its item's lock (8 items share a lock, as BARNES's hashed locks
    /// do), and notifies; the others wait for every item on its lock's condition, as BARNES's centre-of-mass pass does.
    /// </summary>
    sealed class DoneFlags(ITeamRuntime rt, int items) : TeamProgram
    {
        readonly TeamLock[] _locks = Enumerable.Range(0, Math.Max(1, items / 8)).Select(_ => rt.NewLock()).ToArray();
        readonly int[] _done = new int[items];
        public long Seen;

        public override async UTask RunWorker(int worker)
        {
            for (int i = 0; i < items; i++)
            {
                var gate = _locks[i % _locks.Length];
                await gate.LockAsync();
                if (worker == 0)
                {
                    Volatile.Write(ref _done[i], 1);
                    gate.NotifyAll();
                }
                else
                {
                    while (Volatile.Read(ref _done[i]) == 0) await gate.WaitAsync();
                    Interlocked.Increment(ref Seen);
                }
                gate.Unlock();
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.Parallel), MemberType = typeof(TestRuntimes))]
    public void Condition_waiters_see_every_notification(string runtime, int workers) => TeamHarness.With(runtime, workers, rt =>
    {
        var program = new DoneFlags(rt, 4000);
        rt.RunTeam(program);
        Assert.Equal(4000L * (workers - 1), program.Seen);
    });

    /// <summary>Each phase every worker publishes the phase number, passes the barrier, and checks that all others published it.</summary>
    sealed class Phases(ITeamRuntime rt, int phases) : TeamProgram
    {
        readonly TeamBarrier _barrier = rt.NewBarrier();
        readonly long[] _slots = new long[rt.Workers * 16];
        public int Errors;

        public override async UTask RunWorker(int worker)
        {
            for (long phase = 1; phase <= phases; phase++)
            {
                Volatile.Write(ref _slots[worker * 16], phase);
                await _barrier.SignalAndWaitAsync();
                for (int other = 0; other < _slots.Length / 16; other++)
                    if (Volatile.Read(ref _slots[other * 16]) < phase) Interlocked.Increment(ref Errors);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.Parallel), MemberType = typeof(TestRuntimes))]
    public void Barrier_holds_every_worker_until_all_arrive(string runtime, int workers) => TeamHarness.With(runtime, workers, rt =>
    {
        var program = new Phases(rt, 100);
        rt.RunTeam(program);
        Assert.Equal(0, program.Errors);
        rt.RunTeam(program); // a second team on the same primitives
        Assert.Equal(0, program.Errors);
    });

    /// <summary>Worker 0 polls (with pauses) for a flag the last worker sets after a lock hand-over.</summary>
    sealed class Polling(ITeamRuntime rt) : TeamProgram
    {
        readonly TeamLock _lock = rt.NewLock();
        int _flag;
        public int Polls;

        public override async UTask RunWorker(int worker)
        {
            if (worker == 0)
            {
                while (true)
                {
                    await _lock.LockAsync();
                    bool set = _flag != 0;
                    _lock.Unlock();
                    if (set) return;
                    Polls++;
                    await rt.Pause();
                }
            }
            if (worker == rt.Workers - 1)
            {
                Thread.Sleep(20);
                await _lock.LockAsync();
                _flag = 1;
                _lock.Unlock();
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.Parallel), MemberType = typeof(TestRuntimes))]
    public void A_polling_loop_with_pauses_sees_another_worker_progress(string runtime, int workers) => TeamHarness.With(runtime, workers, rt =>
    {
        var program = new Polling(rt);
        rt.RunTeam(program);
        Assert.True(program.Polls > 0);
    });

    /// <summary>Worker 1 fails in phase 3 while the others wait at the barrier.</summary>
    sealed class Failing(ITeamRuntime rt) : TeamProgram
    {
        readonly TeamBarrier _barrier = rt.NewBarrier();

        public override async UTask RunWorker(int worker)
        {
            for (int phase = 0; phase < 10; phase++)
            {
                if (worker == 1 && phase == 3) throw new ArithmeticException("worker 1 failed in phase 3");
                await _barrier.SignalAndWaitAsync();
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.Parallel), MemberType = typeof(TestRuntimes))]
    public void A_failing_worker_ends_the_team_with_its_exception_and_the_runtime_refuses_more_teams(string runtime, int workers) =>
        TeamHarness.With(runtime, workers, rt =>
        {
            var e = Assert.Throws<ArithmeticException>(() => rt.RunTeam(new Failing(rt)));
            Assert.Contains("phase 3", e.Message);
            // Refused as such: the host runtimes' team abort stays set, the mk runtime is marked broken.
            var refused = Assert.ThrowsAny<Exception>(() => rt.RunTeam(new Phases(rt, 1)));
            Assert.True(refused is OperationCanceledException { Message: var m1 } && m1.Contains("team aborted")
                     || refused is InvalidOperationException { Message: var m2 } && m2.Contains("an earlier team failed"), refused.ToString());
        });

    /// <summary>Worker 0 polls with pauses for a flag (as RADIOSITY's polling barrier does) that the failing last worker never sets.</summary>
    sealed class FailingWhileOthersPoll(ITeamRuntime rt) : TeamProgram
    {
        readonly TeamLock _lock = rt.NewLock();
        int _flag;

        public override async UTask RunWorker(int worker)
        {
            if (worker == rt.Workers - 1)
            {
                Thread.Sleep(20);
                if (worker > 0) throw new ArithmeticException("the last worker failed before setting the flag");
                await _lock.LockAsync();
                _flag = 1;
                _lock.Unlock();
                return;
            }
            while (true)
            {
                await _lock.LockAsync();
                bool set = _flag != 0;
                _lock.Unlock();
                if (set) return;
                await rt.Pause();
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.Parallel), MemberType = typeof(TestRuntimes))]
    public void A_failing_worker_ends_the_team_while_the_others_poll_with_pauses(string runtime, int workers) =>
        TeamHarness.With(runtime, workers, rt =>
        {
            var e = Assert.Throws<ArithmeticException>(() => rt.RunTeam(new FailingWhileOthersPoll(rt)));
            Assert.Contains("before setting the flag", e.Message);
        }, seconds: 20);

    [Fact]
    public void Serial_team_runs_worker_0_to_completion() => TeamHarness.With("serial", 1, rt =>
    {
        var program = new Counting(rt, 1000);
        rt.RunTeam(program);
        Assert.Equal(1000, program.Counter);
        var phases = new Phases(rt, 10);
        rt.RunTeam(phases);
        Assert.Equal(0, phases.Errors);
    });

    [Theory]
    [InlineData(0.0)]
    [InlineData(2.0)]
    [InlineData(50.0)]
    public void Spin_then_block_barrier_separates_phases_whether_waiters_spin_or_block(double spinMilliseconds)
    {
        const int Threads = 3, Phases = 300;
        var barrier = new SpinThenBlockBarrier(Threads, TimeSpan.FromMilliseconds(spinMilliseconds));
        var slots = new long[Threads * 16];
        int errors = 0;
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (long phase = 1; phase <= Phases; phase++)
            {
                Volatile.Write(ref slots[t * 16], phase);
                barrier.SignalAndWait();
                for (int o = 0; o < Threads; o++)
                    if (Volatile.Read(ref slots[o * 16]) < phase) Interlocked.Increment(ref errors);
                if (phase % 50 == t) Thread.Sleep(1); // some phases have a late arriver, so waiters block
            }
        }) { IsBackground = true }).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(120)), "a thread did not leave the barrier (lost wake-up)");
        Assert.Equal(0, errors);
    }

    [Fact]
    public void Spin_then_block_barrier_wait_ends_when_cancelled()
    {
        var barrier = new SpinThenBlockBarrier(2, TimeSpan.Zero);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.Throws<OperationCanceledException>(() => barrier.SignalAndWait(cts.Token));
    }
}

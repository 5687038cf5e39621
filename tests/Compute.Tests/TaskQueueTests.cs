using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Multikernel.Threads;
using Splash.Radiosity;
using Splash.Team;

namespace Compute.Tests;

/// <summary>
/// RADIOSITY's task queue: the discipline of the reference's linked list (owner pushes and pops at the top, initial
/// tasks are appended, thieves take the tail), and a stress of workers spawning, taking and stealing tasks under the
/// queue locks on every runtime, each task running exactly once.
/// </summary>
public class TaskQueueTests
{
    /// <summary>Operation codes: 0 push on top, 1 append, 2 pop top, 3 pop tail.</summary>
    [Property(MaxTest = 200)]
    public void Queue_behaves_like_the_reference_linked_list(int[] operations)
    {
        var queue = new TaskQueue(new SerialTeam().NewLock());
        var model = new LinkedList<int>();
        int next = 0;
        foreach (int raw in operations.Concat(Enumerable.Repeat(0, 300)))
        {
            switch ((raw & int.MaxValue) % 4)
            {
                case 0: queue.PushTop(new RadiosityTask(RadiosityTaskKind.Ray, next)); model.AddFirst(next++); break;
                case 1: queue.Append(new RadiosityTask(RadiosityTaskKind.Ray, next)); model.AddLast(next++); break;
                case 2:
                    if (model.Count == 0) break;
                    Assert.Equal(model.First!.Value, queue.PopTop().A);
                    model.RemoveFirst();
                    break;
                default:
                    if (model.Count == 0) break;
                    Assert.Equal(model.Last!.Value, queue.PopTail().A);
                    model.RemoveLast();
                    break;
            }
            Assert.Equal(model.Count, queue.Count);
        }
        // Drain from the top: the order of the model.
        while (model.Count > 0)
        {
            Assert.Equal(model.First!.Value, queue.PopTop().A);
            model.RemoveFirst();
        }
        Assert.Equal(0, queue.Count);
    }

    /// <summary>
    /// Workers take from the top of their own queue or steal from the tail of another's (each under that queue's team
    /// lock); running task t spawns tasks 2t+1 and 2t+2 (below a limit) onto the runner's own queue. Worker 0 seeds
    /// task 0. Done when every task ran; each must run exactly once.
    /// </summary>
    sealed class Spawning(ITeamRuntime rt, int tasks) : TeamProgram
    {
        readonly TaskQueue[] _queues = Enumerable.Range(0, rt.Workers).Select(_ => new TaskQueue(rt.NewLock())).ToArray();
        public readonly int[] Runs = new int[tasks];
        int _finished;

        public override async UTask RunWorker(int worker)
        {
            if (worker == 0)
            {
                await _queues[0].Lock.LockAsync();
                _queues[0].Append(new RadiosityTask(RadiosityTaskKind.Ray, 0));
                _queues[0].Lock.Unlock();
            }
            while (Volatile.Read(ref _finished) < tasks)
            {
                int found = -1;
                for (int v = 0; v < _queues.Length && found < 0; v++)
                {
                    int q = (worker + v) % _queues.Length;
                    await _queues[q].Lock.LockAsync();
                    if (_queues[q].Count > 0) found = (q == worker ? _queues[q].PopTop() : _queues[q].PopTail()).A;
                    _queues[q].Lock.Unlock();
                }
                if (found < 0)
                {
                    await rt.Pause();
                    continue;
                }
                Interlocked.Increment(ref Runs[found]);
                for (int child = 2 * found + 1; child <= 2 * found + 2 && child < tasks; child++)
                {
                    await _queues[worker].Lock.LockAsync();
                    _queues[worker].PushTop(new RadiosityTask(RadiosityTaskKind.Ray, child));
                    _queues[worker].Lock.Unlock();
                }
                Interlocked.Increment(ref _finished);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.Parallel), MemberType = typeof(TestRuntimes))]
    public void Tasks_spawned_taken_and_stolen_under_the_queue_locks_each_run_once(string runtime, int workers) =>
        TeamHarness.With(runtime, workers, rt =>
        {
            var program = new Spawning(rt, 20_000);
            rt.RunTeam(program);
            Assert.All(program.Runs, r => Assert.Equal(1, r));
        });
}

using Multikernel.ParallelLoops;
using Compute.Runtimes;
using Multikernel.Hardware;
using Npb.Runtime;
using Npb;

namespace Compute.Tests;

/// <summary>The fork-join contract the kernels rely on, for every runtime and worker count.</summary>
public class ParallelRuntimeTests
{
    /// <summary>Adds one to visits[i] for each iteration and records which worker ran it.</summary>
    readonly struct Visit(int[] visits, int[] byWorker) : IRangeBody
    {
        public void Execute(int lo, int hi, int worker)
        {
            for (int i = lo; i < hi; i++)
            {
                Interlocked.Increment(ref visits[i]);
                byWorker[i] = worker;
            }
        }
    }

    readonly struct SumOf(double[] v) : IRangeSum
    {
        public SumPair Execute(int lo, int hi, int worker)
        {
            double s = 0, c = 0;
            for (int i = lo; i < hi; i++) { s += v[i]; c += 1; }
            return new SumPair(s, c);
        }
    }

    readonly struct Throwing(int at) : IRangeBody
    {
        public void Execute(int lo, int hi, int worker)
        {
            if (lo <= at && at < hi) throw new ArithmeticException($"boom at {at}");
        }
    }

    readonly struct Nesting(IParallelRuntime rt) : IRangeBody
    {
        public void Execute(int lo, int hi, int worker) => rt.For(0, 4, new Throwing(-1));
    }

    readonly struct RecordCpu(int[] cpuOfWorker) : IRangeBody
    {
        public void Execute(int lo, int hi, int worker) => cpuOfWorker[worker] = CoreAffinity.CurrentCpu();
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.All), MemberType = typeof(TestRuntimes))]
    public void Static_loop_runs_every_iteration_once_and_block_w_on_worker_w(string name, int workers)
    {
        using var rt = TestRuntimes.Create(name, workers);
        Assert.Equal(workers, rt.Workers);
        // Includes ranges not starting at 0 and ranges with fewer iterations than workers (empty blocks).
        foreach (var (from, to) in new[] { (0, 1000), (5, 6), (3, 10), (0, 1), (7, 7 + workers - 1) })
        {
            var visits = new int[to + 5];
            var byWorker = new int[visits.Length];
            rt.For(from, to, new Visit(visits, byWorker));
            for (int i = 0; i < visits.Length; i++)
                Assert.Equal(i >= from && i < to ? 1 : 0, visits[i]);
            for (int i = from; i < to; i++)
            {
                var (lo, hi) = BlockPartition.Block(from, to, workers, byWorker[i]);
                Assert.InRange(i, lo, hi - 1);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.All), MemberType = typeof(TestRuntimes))]
    public void Dynamic_loop_runs_every_iteration_once_on_workers_in_range(string name, int workers)
    {
        using var rt = TestRuntimes.Create(name, workers);
        var visits = new int[10_000];
        var byWorker = new int[visits.Length];
        for (int rep = 0; rep < 20; rep++)
        {
            Array.Clear(visits);
            rt.For(0, visits.Length, new Visit(visits, byWorker), Schedule.Dynamic);
            Assert.All(visits, v => Assert.Equal(1, v));
            Assert.All(byWorker, w => Assert.InRange(w, 0, workers - 1));
        }
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.All), MemberType = typeof(TestRuntimes))]
    public void Sum_adds_the_blocks_in_order_and_is_deterministic(string name, int workers)
    {
        using var rt = TestRuntimes.Create(name, workers);
        var rng = new System.Random(7);
        var v = Enumerable.Range(0, 10_001).Select(_ => rng.NextDouble() * Math.Pow(10, rng.Next(-8, 8))).ToArray();
        double expected = 0;
        for (int w = 0; w < workers; w++)
        {
            var (lo, hi) = BlockPartition.Block(0, v.Length, workers, w);
            double part = 0;
            for (int i = lo; i < hi; i++) part += v[i];
            expected += part;
        }
        for (int rep = 0; rep < 10; rep++)
        {
            var s = rt.Sum(0, v.Length, new SumOf(v));
            Assert.Equal(expected, s.First);
            Assert.Equal(v.Length, s.Second);
        }
        Assert.Equal(default, rt.Sum(3, 3, new SumOf(v)));
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.All), MemberType = typeof(TestRuntimes))]
    public void An_exception_in_a_worker_reaches_the_caller_and_the_runtime_stays_usable(string name, int workers)
    {
        using var rt = TestRuntimes.Create(name, workers);
        var e = Assert.Throws<ArithmeticException>(() => rt.For(0, 100, new Throwing(99)));
        Assert.Contains("boom at 99", e.Message);
        var visits = new int[100];
        rt.For(0, 100, new Visit(visits, new int[100]));
        Assert.All(visits, v => Assert.Equal(1, v));
    }

    [Theory]
    [MemberData(nameof(TestRuntimes.All), MemberType = typeof(TestRuntimes))]
    public void Loops_do_not_nest(string name, int workers)
    {
        using var rt = TestRuntimes.Create(name, workers);
        Assert.Throws<InvalidOperationException>(() => rt.For(0, workers, new Nesting(rt)));
    }

    [Fact]
    public void Pinned_workers_run_on_their_cores_and_the_caller_is_unpinned_after_dispose()
    {
        var cores = TestRuntimes.Cores(2);
        var cpu = new int[2];
        using (var rt = new PinnedThreadsRuntime(cores))
        {
            for (int rep = 0; rep < 5; rep++)
            {
                rt.For(0, 2, new RecordCpu(cpu));
                Assert.Equal(cores, cpu);
            }
        }
        // After dispose the calling thread may run anywhere allowed again: pin elsewhere works and unpin restores.
        CoreAffinity.PinCurrentThread(cores[^1]);
        Assert.Equal(cores[^1], CoreAffinity.CurrentCpu());
        CoreAffinity.UnpinCurrentThread();
    }

    [Theory]
    [InlineData(WaitPolicy.Blocking, "pinned")]
    [InlineData(WaitPolicy.SpinThenBlock, "host-spin")]
    public void Runtime_kinds_map_to_their_names_and_wait_policies(WaitPolicy policy, string name)
    {
        using var rt = new PinnedThreadsRuntime(TestRuntimes.Cores(2), policy);
        Assert.Equal(name, rt.Name);
        Assert.Equal(policy, rt.Policy);
        var kind = name == "pinned" ? RuntimeKind.Pinned : RuntimeKind.HostSpin;
        Assert.Equal(name, RuntimeFactory.NameOf(kind));
    }

    [Fact]
    public void Pinned_runtime_refuses_loops_from_another_thread()
    {
        using var rt = new PinnedThreadsRuntime(TestRuntimes.Cores(2));
        Exception? seen = null;
        var t = new Thread(() =>
        {
            try { rt.For(0, 10, new Throwing(-1)); }
            catch (Exception e) { seen = e; }
        });
        t.Start();
        Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a loop from another thread neither ran nor was refused within 60 s");
        Assert.IsType<InvalidOperationException>(seen);
    }

    [Fact]
    public void Mk_runtime_runs_a_whole_benchmark_on_the_master_dispatcher()
    {
        using var rt = (MultikernelThreadsRuntime)RuntimeFactory.Create(RuntimeKind.Mk, TestRuntimes.Cores(2).Distinct().ToArray());
        var r = rt.Execute(() => NpbSuite.Create("is", ProblemClass.S).Run(rt));
        Assert.True(r.Verified, r.Detail);
    }
}

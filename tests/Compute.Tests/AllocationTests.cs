using Npb;
using Npb.Runtime;

namespace Compute.Tests;

/// <summary>
/// Hot paths allocate nothing: a warm loop dispatch on the serial and pinned runtimes, and a whole warm CG run
/// (about 1300 loops) beyond its result record. Parallel.For itself allocates per call, so the host runtime is
/// not held to this.
/// </summary>
public class AllocationTests
{
    readonly struct Add(double[] v) : IRangeBody
    {
        public void Execute(int lo, int hi, int worker)
        {
            for (int i = lo; i < hi; i++) v[i] += 1;
        }
    }

    readonly struct Total(double[] v) : IRangeSum
    {
        public SumPair Execute(int lo, int hi, int worker)
        {
            double s = 0;
            for (int i = lo; i < hi; i++) s += v[i];
            return new SumPair(s, 0);
        }
    }

    [Theory]
    [InlineData("serial", 1)]
    [InlineData("pinned", 1)]
    [InlineData("pinned", 2)]
    public void Warm_loops_and_sums_allocate_nothing_on_the_calling_thread(string runtime, int workers)
    {
        using var rt = TestRuntimes.Create(runtime, workers);
        var v = new double[1000];
        for (int i = 0; i < 10; i++)
        {
            rt.For(0, v.Length, new Add(v));
            rt.For(0, v.Length, new Add(v), Schedule.Dynamic);
            rt.Sum(0, v.Length, new Total(v));
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        double s = 0;
        for (int i = 0; i < 2000; i++)
        {
            rt.For(0, v.Length, new Add(v));
            rt.For(0, v.Length, new Add(v), Schedule.Dynamic);
            s += rt.Sum(0, v.Length, new Total(v)).First;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"{allocated} bytes allocated by 6000 loops");
        Assert.True(s > 0);
    }

    [Fact]
    public void A_warm_cg_run_allocates_only_its_result()
    {
        using var rt = new SerialRuntime();
        var cg = NpbSuite.Create("cg", ProblemClass.S);
        Assert.True(cg.Run(rt).Verified);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = cg.Run(rt);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(r.Verified, r.Detail);
        Assert.True(allocated < 8 * 1024, $"{allocated} bytes allocated by a CG class S run");
    }

    [Fact]
    public void ProbeReadingSaysHowManyRunsAllocatedAndTheMostInOne()
    {
        static Compute.Sweep.BenchRun Run(long bytes) => new(true, 1.0, null, "", bytes);
        Assert.Equal("0 B over 3 runs", Compute.Sweep.BenchRun.Allocations([Run(0), Run(0), Run(0)]));
        Assert.Equal("7000 B over 4 runs (2 of them allocated, at most 5000 B in one)",
            Compute.Sweep.BenchRun.Allocations([Run(0), Run(5000), Run(0), Run(2000)]));
    }
}

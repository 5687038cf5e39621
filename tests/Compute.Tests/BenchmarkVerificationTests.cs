using Npb;
using Npb.Cg;
using Npb.Ft;
using Npb.Is;
using Npb.Runtime;

namespace Compute.Tests;

/// <summary>
/// The benchmarks reproduce the official NPB verification values (encoded in the library from
/// shared/reference/npb-verification.md) on every runtime with 1 and 2 workers; and verification rejects a wrong
/// computation.
/// </summary>
public class BenchmarkVerificationTests
{
    public static TheoryData<string, string, int> ClassS()
    {
        var d = new TheoryData<string, string, int>();
        foreach (var b in NpbSuite.Names)
            foreach (var (rt, w) in new[] { ("serial", 1), ("pinned", 1), ("pinned", 2), ("host", 2), ("mk", 1), ("mk", 2) })
                d.Add(b, rt, w);
        return d;
    }

    [Theory]
    [MemberData(nameof(ClassS))]
    public void Class_S_verifies(string bench, string runtime, int workers)
    {
        using var rt = TestRuntimes.Create(runtime, workers);
        var r = NpbSuite.Create(bench, ProblemClass.S).Run(rt);
        Assert.True(r.Verified, r.Detail);
        Assert.Equal(bench.ToUpperInvariant(), r.Benchmark);
        Assert.Equal(ProblemClass.S, r.Class);
        Assert.Equal(workers, r.Workers);
        Assert.True(r.Seconds > 0 && double.IsFinite(r.Mops) && r.Mops > 0, $"{r.Seconds} s, {r.Mops} Mop/s");
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("cg", 1)]
    [InlineData("cg", 2)]
    [InlineData("ft", 1)]
    [InlineData("ft", 2)]
    [InlineData("is", 1)]
    [InlineData("is", 2)]
    public void Class_W_verifies(string bench, int workers)
    {
        using var rt = TestRuntimes.Create("pinned", workers);
        var r = NpbSuite.Create(bench, ProblemClass.W).Run(rt);
        Assert.True(r.Verified, r.Detail);
    }

    [Fact]
    public void A_benchmark_instance_verifies_again_when_rerun_with_another_worker_count()
    {
        var bench = new IsBenchmark(ProblemClass.S);
        using (var one = TestRuntimes.Create("pinned", 1)) Assert.True(bench.Run(one).Verified);
        using (var two = TestRuntimes.Create("pinned", 2)) Assert.True(bench.Run(two).Verified);
        using (var one = TestRuntimes.Create("host", 1)) Assert.True(bench.Run(one).Verified);
    }

    /// <summary>
    /// A broken runtime that claims two workers but runs only worker 0, so half of every loop is skipped:
    /// each benchmark must then report a failed verification (not crash, not pass).
    /// </summary>
    sealed class HalfRuntime : ForkJoinRuntime
    {
        public HalfRuntime() : base(2) { }
        public override string Name => "half";
        protected override void RunOnAllWorkers(WorkerTask task) => task.Run(0);
        public override void Dispose() { }
    }

    [Theory]
    [InlineData("cg")]
    [InlineData("ft")]
    [InlineData("is")]
    public void A_wrong_computation_fails_verification(string bench)
    {
        using var rt = new HalfRuntime();
        var r = NpbSuite.Create(bench, ProblemClass.S).Run(rt);
        Assert.False(r.Verified, r.Detail);
    }

    /// <summary>
    /// A runtime of two workers, run one after the other on the caller's thread, that skips worker 1's block in exactly
    /// one loop of a run (the <c>broken</c>-th For or Sum, counted from 0), or in none (-1); it counts the loops it ran.
    /// </summary>
    sealed class OneBrokenLoopRuntime(int broken) : ForkJoinRuntime(2)
    {
        public int Loops { get; private set; }
        public override string Name => "one-broken-loop";
        protected override void RunOnAllWorkers(WorkerTask task)
        {
            bool skip = Loops++ == broken;
            task.Run(0);
            if (!skip) task.Run(1);
        }
        public override void Dispose() { }
    }

    /// <summary>
    /// FT checks every iteration the reference gives, not only the first: a run whose last loop (the last pass of the
    /// last iteration's inverse FFT) leaves half of u2 from the iteration before fails, at that iteration.
    /// </summary>
    [Fact]
    public void A_wrong_last_iteration_fails_ft_verification()
    {
        var counting = new OneBrokenLoopRuntime(-1);
        var good = new FtBenchmark(ProblemClass.S).Run(counting);
        Assert.True(good.Verified, good.Detail);
        var r = new FtBenchmark(ProblemClass.S).Run(new OneBrokenLoopRuntime(counting.Loops - 1));
        Assert.False(r.Verified, r.Detail);
        Assert.Contains($"at iteration {FtParameters.Of(ProblemClass.S).Niter} ", r.Detail);
    }

    /// <summary>
    /// IS's partial verification (the official test keys' ranks) catches wrong keys that are ranked right, which the full
    /// verification (keys in order) cannot: loop 0 of a run creates the keys, and without worker 1's block the upper
    /// half of them stay 0.
    /// </summary>
    [Fact]
    public void Wrong_keys_ranked_right_fail_is_partial_verification()
    {
        var r = new IsBenchmark(ProblemClass.S).Run(new OneBrokenLoopRuntime(0));
        Assert.False(r.Verified, r.Detail);
        Assert.Contains("full verification passed", r.Detail);
        Assert.DoesNotContain($"partial checks passed {IsParameters.TestKeys * IsParameters.Iterations}/", r.Detail);
    }

    /// <summary>
    /// IS's full verification fails a wrong ranking that its partial checks can miss (a run whose loops break cannot
    /// make one here: every broken loop that spoils the ranking also spoils a test key's rank). Keys 2 0 3 2 1, the
    /// array holding 9s from before.
    /// </summary>
    [Fact]
    public void Is_full_verification_counts_the_keys_a_wrong_ranking_leaves_out_of_order()
    {
        int[] Sorted() => [2, 0, 3, 2, 1];
        int[] Stale() => [9, 9, 9, 9, 9];
        Assert.Equal(0, IsBenchmark.KeysOutOfOrder(Sorted(), [1, 2, 4, 5], Stale()));
        Assert.Equal(1, IsBenchmark.KeysOutOfOrder(Sorted(), [1, 3, 4, 5], Stale())); // value 1 ranked a place too high: a 9 is left before it
        Assert.Equal(1, IsBenchmark.KeysOutOfOrder(Sorted(), [1, 2, 4, 6], Stale())); // value 3 ranked past the end
    }

    [Fact]
    public void Operation_counts_follow_the_NPB_formulas()
    {
        // CG class A: 2 * 15 * 14000 * (3 + 11*12 + 25 * (5 + 11*12) + 3)
        Assert.Equal(2.0 * 15 * 14000 * (3 + 132 + 25 * (5 + 132) + 3), CgParameters.Of(ProblemClass.A).Operations);
        // FT class S: n (14.8157 + 7.19641 ln n + (5.23518 + 7.21113 ln n) * 6), n = 64^3
        double n = 64.0 * 64 * 64;
        Assert.Equal(n * (14.8157 + 7.19641 * Math.Log(n) + (5.23518 + 7.21113 * Math.Log(n)) * 6), FtParameters.Of(ProblemClass.S).Operations, 6);
        // IS class W: 10 iterations of 2^20 keys
        Assert.Equal(10.0 * (1 << 20), IsParameters.Of(ProblemClass.W).Operations);
    }
}

using Npb;
using Npb.Runtime;

namespace Compute.Tests;

/// <summary>
/// The NAS kernels' untimed part runs every loop body their timed region runs, so that no loop is compiled by the JIT
/// (its body and the runtime's instantiation of For/Sum over it) inside the timed region of a process's first run.
/// </summary>
public class NpbWarmUpTests
{
    [Theory]
    [InlineData("cg")]
    [InlineData("ft")]
    [InlineData("is")]
    public void Every_loop_body_of_the_timed_region_ran_before_it(string name)
    {
        var benchmark = NpbSuite.Create(name, ProblemClass.S);
        using var rt = new RecordingRuntime(() => benchmark.InTimedRegion);
        var result = benchmark.Run(rt);
        Assert.True(result.Verified, result.Detail);
        Assert.NotEmpty(rt.Timed);
        Assert.False(benchmark.InTimedRegion);
        var unwarmed = rt.Timed.Except(rt.Untimed).Select(t => t.Name).ToList();
        Assert.True(unwarmed.Count == 0,
            $"{benchmark.Name}: loop bodies run in the timed region but not before it: {string.Join(", ", unwarmed)}");
    }

    /// <summary>A serial runtime that records each loop body's type, split by whether the benchmark was in its timed region.</summary>
    sealed class RecordingRuntime(Func<bool> inTimedRegion) : IParallelRuntime
    {
        readonly SerialRuntime _inner = new();
        public HashSet<Type> Untimed { get; } = [];
        public HashSet<Type> Timed { get; } = [];

        public string Name => "recording";
        public int Workers => _inner.Workers;

        public void For<TBody>(int from, int to, in TBody body, Schedule schedule = Schedule.Static) where TBody : struct, IRangeBody
        {
            (inTimedRegion() ? Timed : Untimed).Add(typeof(TBody));
            _inner.For(from, to, body, schedule);
        }

        public SumPair Sum<TBody>(int from, int to, in TBody body) where TBody : struct, IRangeSum
        {
            (inTimedRegion() ? Timed : Untimed).Add(typeof(TBody));
            return _inner.Sum(from, to, body);
        }

        public void Dispose() => _inner.Dispose();
    }
}

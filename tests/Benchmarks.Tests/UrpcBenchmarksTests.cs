using Benchmarks.Suite;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

/// <summary>The benchmark bodies do what they claim and allocate nothing (functional checks, no timing).</summary>
public class UrpcBenchmarksTests
{
    /// <summary>Runs <paramref name="check"/> on a benchmark instance that <paramref name="setUp"/> prepared, and cleans up; skipped with fewer than two cores.</summary>
    static void WithTwoCores(Action<UrpcBenchmarks> setUp, Action<UrpcBenchmarks> check)
    {
        Assert.SkipWhen(CoreAffinity.AllowedCpus().Count < 2, "needs two cores; this process may use one");
        var b = new UrpcBenchmarks();
        setUp(b);
        try { check(b); }
        finally { b.CleanUp(); }
    }

    /// <summary>Asserts that <paramref name="operation"/> allocates nothing on this thread.</summary>
    static void AllocatesNothing(Action operation)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        operation();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void RoundTrip_echoes_every_message_and_allocates_nothing() => WithTwoCores(b => b.SetUpRoundTrip(), b =>
    {
        ulong expected = (ulong)(UrpcBenchmarks.RoundTripsPerInvoke - 1) * UrpcBenchmarks.RoundTripsPerInvoke / 2;
        Assert.Equal(expected, b.RoundTrip()); // sum of the echoed sequence numbers 0..N-1
        AllocatesNothing(() => { for (int i = 0; i < 5; i++) b.RoundTrip(); });
        var p = Placement.Of(nameof(UrpcBenchmarks.RoundTrip));
        Assert.NotNull(p);
        Assert.Equal(p!.LocalCore, p.LocalObserved);
        Assert.Equal(p.RemoteCore, p.RemoteObserved);
    });

    [Fact]
    public void OneWay_records_stamped_latencies()
    {
        WithTwoCores(b => b.SetUpOneWay(), b =>
        {
            Assert.Equal((ulong)UrpcBenchmarks.RoundTripsPerInvoke, b.OneWay());
            AllocatesNothing(() => b.OneWay());
        });
        Assert.Equal(2 * UrpcBenchmarks.RoundTripsPerInvoke, OneWayStamps.Latest.Count);
    }

    [Fact]
    public void Throughput_drains_the_ring_before_returning() => WithTwoCores(b => b.SetUpThroughput(), b =>
    {
        Assert.Equal(7UL, b.Throughput()); // the closing echo's payload
        AllocatesNothing(() => b.Throughput());
    });

    [Fact]
    public void Same_core_lrpc_returns_the_servers_answers() => WithTwoCores(b => b.SetUpLrpc(), b =>
    {
        int n = UrpcBenchmarks.CallsPerInvoke;
        ulong expected = (ulong)n * (ulong)(n - 1) / 2 + (ulong)n; // server answers request i with i + 1
        Assert.Equal(expected, b.LrpcSameCore());
        AllocatesNothing(() => b.LrpcSameCore());
    });

    [Fact]
    public void Cpu_driver_lrpc_batches_return_no_wrong_results_and_allocate_nothing() => WithTwoCores(b => b.SetUpDriverLrpc(), b =>
    {
        // Warm-up includes waking the CPU driver from its blocked wait (the first futex call binds the P/Invoke).
        for (int i = 0; i < 2; i++) { Assert.Equal(0UL, b.LrpcCpuDriver()); Thread.Sleep(5); }
        ulong wrong = 0;
        AllocatesNothing(() => { for (int i = 0; i < 3; i++) { wrong += b.LrpcCpuDriver(); Thread.Sleep(5); } });
        Assert.Equal(0UL, wrong);
        var p = Placement.Of(nameof(UrpcBenchmarks.LrpcCpuDriver));
        Assert.NotNull(p);
        Assert.Equal(p!.RemoteCore, p.RemoteObserved);
    });
}

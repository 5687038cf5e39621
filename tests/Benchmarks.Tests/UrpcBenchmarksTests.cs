using Benchmarks.Suite;
using Multikernel.Hardware;

namespace Benchmarks.Tests;

/// <summary>The benchmark bodies do what they claim and allocate nothing (functional checks, no timing).</summary>
public class UrpcBenchmarksTests
{
    static void WithTwoCores(Action body)
    {
        Assert.SkipWhen(CoreAffinity.AllowedCpus().Count < 2, "needs two cores; this process may use one");
        body();
    }

    [Fact]
    public void RoundTrip_echoes_every_message_and_allocates_nothing() => WithTwoCores(() =>
    {
        var b = new UrpcBenchmarks();
        b.SetUpRoundTrip();
        try
        {
            ulong expected = (ulong)(UrpcBenchmarks.RoundTripsPerInvoke - 1) * UrpcBenchmarks.RoundTripsPerInvoke / 2;
            Assert.Equal(expected, b.RoundTrip()); // sum of the echoed sequence numbers 0..N-1
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) b.RoundTrip();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            var p = Placement.Of(nameof(UrpcBenchmarks.RoundTrip));
            Assert.NotNull(p);
            Assert.Equal(p!.LocalCore, p.LocalObserved);
            Assert.Equal(p.RemoteCore, p.RemoteObserved);
        }
        finally { b.CleanUp(); }
    });

    [Fact]
    public void OneWay_records_stamped_latencies() => WithTwoCores(() =>
    {
        var b = new UrpcBenchmarks();
        b.SetUpOneWay();
        try
        {
            Assert.Equal((ulong)UrpcBenchmarks.RoundTripsPerInvoke, b.OneWay());
            long before = GC.GetAllocatedBytesForCurrentThread();
            b.OneWay();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally { b.CleanUp(); }
        Assert.Equal(2 * UrpcBenchmarks.RoundTripsPerInvoke, OneWayStamps.Latest.Count);
    });

    [Fact]
    public void Throughput_drains_the_ring_before_returning() => WithTwoCores(() =>
    {
        var b = new UrpcBenchmarks();
        b.SetUpThroughput();
        try
        {
            Assert.Equal(7UL, b.Throughput()); // the closing echo's payload
            long before = GC.GetAllocatedBytesForCurrentThread();
            b.Throughput();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally { b.CleanUp(); }
    });

    [Fact]
    public void Same_core_lrpc_returns_the_servers_answers() => WithTwoCores(() =>
    {
        var b = new UrpcBenchmarks();
        b.SetUpLrpc();
        try
        {
            int n = UrpcBenchmarks.CallsPerInvoke;
            ulong expected = (ulong)n * (ulong)(n - 1) / 2 + (ulong)n; // server answers request i with i + 1
            Assert.Equal(expected, b.LrpcSameCore());
            long before = GC.GetAllocatedBytesForCurrentThread();
            b.LrpcSameCore();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally { b.CleanUp(); }
    });

    [Fact]
    public void Cpu_driver_lrpc_batches_return_no_wrong_results_and_allocate_nothing() => WithTwoCores(() =>
    {
        var b = new UrpcBenchmarks();
        b.SetUpDriverLrpc();
        try
        {
            // Warm-up includes waking the CPU driver from its blocked wait (the first futex call binds the P/Invoke).
            for (int i = 0; i < 2; i++) { Assert.Equal(0UL, b.LrpcCpuDriver()); Thread.Sleep(5); }
            ulong wrong = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 3; i++) { wrong += b.LrpcCpuDriver(); Thread.Sleep(5); }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0UL, wrong);
            Assert.Equal(0, allocated);
            var p = Placement.Of(nameof(UrpcBenchmarks.LrpcCpuDriver));
            Assert.NotNull(p);
            Assert.Equal(p!.RemoteCore, p.RemoteObserved);
        }
        finally { b.CleanUp(); }
    });
}

using System.Net;
using System.Net.Sockets;
using Multikernel.Drivers;

namespace Experiments.Tests;

/// <summary>
/// The UDP echo path, multikernel (driver dispatcher + stack dispatcher on two cores) and host (blocking loop): every
/// datagram comes back intact, per flow in order, and the multikernel's own account balances.
/// </summary>
public class IOUdpEchoTests
{
    static IUdpEchoServer StartMk(int maxDatagram) => MkUdpEchoServer.Start(TestCores.First(2)[0], TestCores.First(2)[1], maxDatagram);
    static IUdpEchoServer StartHost(int maxDatagram) => HostUdpEchoServer.Start(TestCores.First(1)[0], maxDatagram);

    public static TheoryData<string> Kinds => new() { "mk", "host" };

    static IUdpEchoServer Start(string kind, int maxDatagram) => kind == "mk" ? StartMk(maxDatagram) : StartHost(maxDatagram);

    [Fact]
    public void The_load_generators_median_round_trip_is_the_suites_median_and_p99_interpolates()
    {
        // Four round trips: the median is the mean of the two middle ones (Experiments.Schema.SampleSummary), not the
        // upper one; p99 of 1..100 lies between the two top ranks, not on the maximum.
        var four = new IOWebserver.UdpLoadResult { LatencyNs = [40, 10, 30, 20] };
        Assert.Equal(Experiments.Schema.SampleSummary.MedianOf(four.LatencyNs), four.Percentile(0.5));
        Assert.Equal(25, four.Percentile(0.5));
        var hundred = new IOWebserver.UdpLoadResult { LatencyNs = [.. Enumerable.Range(1, 100).Select(i => (double)i)] };
        Assert.Equal(99.01, hundred.Percentile(0.99), 9);
        Assert.Equal(1, hundred.Percentile(0));
        Assert.Equal(100, hundred.Percentile(1));
        Assert.True(double.IsNaN(new IOWebserver.UdpLoadResult { LatencyNs = [] }.Percentile(0.5)));
    }

    [Fact]
    public void A_run_without_replies_is_left_out_of_the_latency_median_and_the_note_says_so()
    {
        // A run whose replies were all lost has no round trip (Percentile: NaN). Its NaN went into the median over the
        // runs, where sorting put it first: the p50 row of runs with medians 10..50 us and one without replies read 25 us.
        static IOWebserver.UdpLoadResult Run(params double[] ns) => new() { Sent = ns.Length, Received = ns.Length, LatencyNs = ns };
        var runs = new[] { Run(10_000), Run(20_000), Run(), Run(30_000), Run(40_000), Run(50_000) };
        var row = IOWebserver.UdpEchoSeries.LatencyRow("UDP echo/host", 1, "p", "p50_latency_us", 0.5, runs, clean: false, "the note");
        Assert.Equal(30, row.Median);
        Assert.Equal(5, row.Samples);
        Assert.Equal("fail", row.Verified);
        Assert.StartsWith("1 of 6 runs had no reply", row.Note);
        Assert.EndsWith("the note", row.Note);

        var none = IOWebserver.UdpEchoSeries.LatencyRow("UDP echo/host", 1, "p", "p99_latency_us", 0.99, [Run(), Run()], clean: false, "the note");
        Assert.True(double.IsNaN(none.Median) && double.IsNaN(none.CiLow) && double.IsNaN(none.CiHigh), $"{none.Median} [{none.CiLow}, {none.CiHigh}]");
        Assert.Equal(0, none.Samples);
        Assert.Equal("fail", none.Verified);
        Assert.StartsWith("2 of 2 runs had no reply", none.Note);
    }

    /// <summary>Sends one random datagram of each size on a connected socket and checks that the same bytes come back.</summary>
    internal static void AssertEchoesEverySize(Socket client, int[] sizes)
    {
        var rng = new Random(7);
        var reply = new byte[sizes.Max() + 10];
        foreach (int size in sizes)
        {
            var sent = new byte[size];
            rng.NextBytes(sent);
            client.Send(sent);
            int n = client.Receive(reply);
            Assert.Equal(size, n);
            Assert.True(sent.AsSpan().SequenceEqual(reply.AsSpan(0, n)), $"echo of {size} bytes differs");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryDatagramOfEverySizeComesBackByteForByte(string kind)
    {
        Assert.SkipWhen(kind == "mk" && !TestCores.HasTwo, "the multikernel side needs two cores; this process may use one");
        const int max = 1500;
        using var server = Start(kind, max);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
        client.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));
        AssertEchoesEverySize(client, [1, 2, 63, 64, 65, 511, 1024, 1499, max]);
        server.Stop();
        if (server is MkUdpEchoServer mk) Assert.True(mk.Balanced, server.Stop());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ClosedLoopWithSeveralFlowsLosesNothingAndKeepsEachFlowInOrder(string kind)
    {
        Assert.SkipWhen(kind == "mk" && !TestCores.HasTwo, "the multikernel side needs two cores; this process may use one");
        using var server = Start(kind, 1024);
        var r = UdpLoadGenerator.Run(new UdpLoadSettings(server.Port, 1024, Flows: 3, Window: 8, TimeSpan.FromSeconds(20), MaxPackets: 3000, Cores: [TestCores.First(2)[^1]]));
        string account = server.Stop();
        Assert.True(r.Clean, r.Describe() + "; " + account);
        Assert.Equal(3000, r.Sent);
        Assert.Equal(3000, r.Received);
        Assert.Equal(3000, r.LatencyNs.Length);
        Assert.All(r.LatencyNs, ns => Assert.True(ns > 0));
        if (server is MkUdpEchoServer mk)
        {
            Assert.True(mk.Balanced, account);
            Assert.Contains("driver received 3000, transmitted 3000", account);
        }
    }

    /// <summary>Two generator threads share five flows (3 and 2) and an odd packet bound; their counts and latencies add up, nothing is lost or out of order.</summary>
    [Fact]
    public void GeneratorThreadsShareTheFlowsAndTheirCountsAddUp()
    {
        using var server = Start("host", 512);
        int[] cores = [TestCores.First(1)[0], TestCores.UpToTwo[^1]]; // two threads, on one core where only one is allowed
        var settings = new UdpLoadSettings(server.Port, 512, Flows: 5, Window: 4, TimeSpan.FromSeconds(20), MaxPackets: 3001, Cores: cores);
        Assert.Equal(2, settings.Threads);
        var r = UdpLoadGenerator.Run(settings);
        string account = server.Stop();
        Assert.True(r.Clean, r.Describe() + "; " + account);
        Assert.Equal(3001, r.Sent);
        Assert.Equal(3001, r.Received);
        Assert.Equal(3001, r.LatencyNs.Length);
        Assert.True(r.Seconds > 0);
        Assert.Equal(1, new UdpLoadSettings(1, 64, Flows: 1, Window: 1, TimeSpan.Zero, 1, Cores: [0, 1, 2]).Threads); // never more threads than flows
    }

    [Fact]
    public async Task TheGeneratorCatchesRepliesThatAreReorderedOrAltered()
    {
        // A deliberately wrong echo server: swaps each pair of datagrams of a flow and flips a byte of every fifth one.
        using var bad = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 200 };
        bad.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)bad.LocalEndPoint!).Port;
        using var stop = new CancellationTokenSource();
        var serverTask = Task.Run(() =>
        {
            var held = new byte[256]; int heldLen = -1; EndPoint heldFrom = new IPEndPoint(IPAddress.Any, 0);
            var buf = new byte[256]; int count = 0;
            while (!stop.IsCancellationRequested)
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                int n;
                try { n = bad.ReceiveFrom(buf, ref from); } catch (SocketException) { continue; }
                if (++count % 5 == 0) buf[n - 1] ^= 0xFF;
                if (heldLen < 0) { buf.AsSpan(0, n).CopyTo(held); heldLen = n; heldFrom = from; continue; }
                bad.SendTo(buf.AsSpan(0, n), SocketFlags.None, from);
                bad.SendTo(held.AsSpan(0, heldLen), SocketFlags.None, heldFrom);
                heldLen = -1;
            }
        }, TestContext.Current.CancellationToken);
        var r = UdpLoadGenerator.Run(new UdpLoadSettings(port, 64, Flows: 1, Window: 2, TimeSpan.FromSeconds(20), MaxPackets: 200, Cores: [TestCores.First(1)[0]]));
        stop.Cancel();
        await serverTask;
        Assert.False(r.Clean);
        Assert.True(r.OutOfOrder > 0, r.Describe());
        Assert.True(r.Corrupt > 0, r.Describe());
    }

    static int _sendCalls;

    /// <summary>A send that the socket refuses (returns -1, sends nothing) on calls 2 to 9 of a run, as a socket with a
    /// full send buffer does, and sends normally otherwise.</summary>
    static unsafe int RefusingCallsTwoToNine(int fd, byte* buffer, int length) =>
        Interlocked.Increment(ref _sendCalls) is >= 2 and <= 9 ? -1 : SocketCalls.TrySend(fd, buffer, length);

    /// <summary>A datagram the socket refuses is sent again later, so the flow keeps its window: here every send after the
    /// first is refused for a while (the one answering the first reply and the window's), and the run still sends its
    /// 500 datagrams instead of ending, "clean", after the first.</summary>
    [Fact]
    public unsafe void A_refused_send_is_retried_and_the_window_is_kept()
    {
        using var server = Start("host", 64);
        _sendCalls = 0;
        var r = UdpLoadGenerator.Run(new UdpLoadSettings(server.Port, 64, Flows: 1, Window: 4, TimeSpan.FromSeconds(20), MaxPackets: 500, Cores: [TestCores.First(1)[0]]),
            &RefusingCallsTwoToNine);
        string account = server.Stop();
        Assert.True(r.Sent == 500, $"{r.Describe()} after {_sendCalls} send calls; {account}");
        Assert.True(r.Clean, r.Describe() + "; " + account);
        Assert.Equal(500, r.Received);
    }

    static long _markedSends, _sends;

    /// <summary>How far back the marked flows' send timestamps are set: their round trips read as seconds, the others' never (a reply is awaited 1 s at most).</summary>
    const ulong MarkCycles = 1UL << 36;

    /// <summary>A send that sets the timestamp of the even flows' datagrams <see cref="MarkCycles"/> back, so that their
    /// round trips tell apart in the sample, and counts the sends of each kind.</summary>
    static unsafe int MarkingEvenFlows(int fd, byte* buffer, int length)
    {
        bool marked = *(int*)buffer % 2 == 0;
        if (marked) *(ulong*)(buffer + 16) -= MarkCycles;
        int n = SocketCalls.TrySend(fd, buffer, length);
        if (marked) *(ulong*)(buffer + 16) += MarkCycles;
        if (n == length)
        {
            Interlocked.Increment(ref _sends);
            if (marked) Interlocked.Increment(ref _markedSends);
        }
        return n;
    }

    /// <summary>
    /// Three flows on two generator threads: the first thread has flows 0 and 2, the second flow 1, so the first sees
    /// about twice the replies. Beyond the sample's size the run's round trips must be sampled uniformly: the first
    /// thread's share of the sample is its share of the replies, not half (each thread's own reservoir is equally big).
    /// </summary>
    [Fact]
    public unsafe void Beyond_the_sample_size_every_threads_round_trips_count_by_their_share_of_the_run()
    {
        int[] cores = TestCores.FirstOrSkip(2);
        using var server = Start("host", 64);
        _markedSends = _sends = 0;
        var settings = new UdpLoadSettings(server.Port, 64, Flows: 3, Window: 4, TimeSpan.FromSeconds(0.5), MaxPackets: 10_000_000, Cores: cores) { LatencySamples = 1000 };
        var r = UdpLoadGenerator.Run(settings, &MarkingEvenFlows);
        string account = server.Stop();
        Assert.True(r.Clean, r.Describe() + "; " + account);
        Assert.True(r.Received > 4 * settings.LatencySamples, $"too few replies to sample: {r.Describe()}");
        double share = (double)_markedSends / _sends;
        double sampled = (double)r.LatencyNs.Count(ns => ns > 2e9) / r.LatencyNs.Length;
        Assert.True(Math.Abs(sampled - share) < 0.02, $"the even flows' thread had {share:P1} of the replies and {sampled:P1} of the sample ({r.LatencyNs.Length} round trips); {r.Describe()}");
        Assert.True(r.LatencyNs.Length <= settings.LatencySamples, $"{r.LatencyNs.Length} round trips kept, more than {settings.LatencySamples}");
    }

    [Fact]
    public void PacketPoolRefusesADoubleFreeAndAForgedDescriptor()
    {
        using var pool = new PacketPool(4, 100);
        Assert.Equal(128, pool.BufferSize);
        Assert.True(pool.TryAllocate(out int a));
        pool.Free(a);
        Assert.Throws<InvalidOperationException>(() => pool.Free(a));
        Assert.Throws<InvalidOperationException>(() => pool.Free(99));
        for (int i = 0; i < 4; i++) Assert.True(pool.TryAllocate(out _));
        Assert.False(pool.TryAllocate(out _));
    }

    [Fact]
    public void DriverAndStackAllocateNothingInSteadyState()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        using var server = MkUdpEchoServer.Start(TestCores.First(2)[0], TestCores.First(2)[1], 1024, probe: (2_000, 6_000));
        var r = UdpLoadGenerator.Run(new UdpLoadSettings(server.Port, 1024, Flows: 2, Window: 8, TimeSpan.FromSeconds(20), MaxPackets: 8_000, Cores: [TestCores.First(2)[^1]]));
        server.Stop();
        Assert.True(r.Clean, r.Describe());
        var (driver, stack) = server.ProbeAllocations;
        SteadyStateAllocation.IsNone("NIC driver", driver, r.Describe());
        SteadyStateAllocation.IsNone("echo stack", stack, r.Describe());
    }

    /// <summary>A multikernel server whose boot fails (a core outside this process's mask) frees what it made before
    /// the boot: its packet pools' unmanaged memory and its socket.</summary>
    [Fact]
    public void A_server_whose_boot_fails_frees_its_pools()
    {
        int core = Multikernel.Hardware.CoreAffinity.AllowedCpus()[0];
        long before = Multikernel.Hardware.NativeBlock.LiveBytes;
        Assert.ThrowsAny<Exception>(() => IOWebserver.MkUdpEchoServer.Start(core, 100_000, 1500));
        Assert.Equal(before, Multikernel.Hardware.NativeBlock.LiveBytes);
        Assert.ThrowsAny<Exception>(() => IOWebserver.MkWebServer.Start([core, 100_000]));
        Assert.Equal(before, Multikernel.Hardware.NativeBlock.LiveBytes);
    }
}

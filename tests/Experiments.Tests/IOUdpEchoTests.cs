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

    /// <summary>
    /// A wrong echo server on loopback, on a task of its own: each datagram it receives goes to the policy given (the
    /// socket, the bytes, their sender), which sends back what it likes. <see cref="Load"/> runs the generator against
    /// it on one thread.
    /// </summary>
    sealed class WrongEchoServer : IDisposable
    {
        readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 200 };
        readonly CancellationTokenSource _stop = new();
        readonly Task _loop;

        public WrongEchoServer(Action<Socket, byte[], int, EndPoint> answer)
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _loop = Task.Run(() =>
            {
                var buffer = new byte[2048];
                while (!_stop.IsCancellationRequested)
                {
                    EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                    int n;
                    try { n = _socket.ReceiveFrom(buffer, ref from); } catch (SocketException) { continue; }
                    answer(_socket, buffer, n, from);
                }
            }, TestContext.Current.CancellationToken);
        }

        public UdpLoadResult Load(int flows, int window, int maxPackets) => UdpLoadGenerator.Run(
            new UdpLoadSettings(((IPEndPoint)_socket.LocalEndPoint!).Port, 64, flows, window, TimeSpan.FromSeconds(20), maxPackets, Cores: [TestCores.First(1)[0]]));

        public void Dispose()
        {
            _stop.Cancel();
            _loop.GetAwaiter().GetResult();
            _socket.Dispose();
            _stop.Dispose();
        }
    }

    [Fact]
    public void TheGeneratorCatchesRepliesThatAreReorderedOrAltered()
    {
        // Swaps each pair of datagrams of a flow and flips a byte of every fifth one.
        var held = new byte[256];
        int heldLength = -1, count = 0;
        EndPoint heldFrom = new IPEndPoint(IPAddress.Any, 0);
        using var bad = new WrongEchoServer((socket, buffer, n, from) =>
        {
            if (++count % 5 == 0) buffer[n - 1] ^= 0xFF;
            if (heldLength < 0) { buffer.AsSpan(0, n).CopyTo(held); heldLength = n; heldFrom = from; return; }
            socket.SendTo(buffer.AsSpan(0, n), SocketFlags.None, from);
            socket.SendTo(held.AsSpan(0, heldLength), SocketFlags.None, heldFrom);
            heldLength = -1;
        });
        var r = bad.Load(flows: 1, window: 2, maxPackets: 200);
        Assert.False(r.Clean);
        Assert.True(r.OutOfOrder > 0, r.Describe());
        Assert.True(r.Corrupt > 0, r.Describe());
    }

    /// <summary>Every reply one byte longer than the datagram sent (the payload itself intact) is corrupt.</summary>
    [Fact]
    public void A_reply_longer_than_its_datagram_is_corrupt()
    {
        using var bad = new WrongEchoServer((socket, buffer, n, from) => socket.SendTo(buffer.AsSpan(0, n + 1), SocketFlags.None, from));
        var r = bad.Load(flows: 1, window: 2, maxPackets: 50);
        Assert.True(r.Received > 0 && r.Corrupt == r.Received, r.Describe());
    }

    /// <summary>
    /// Two flows whose replies the server sends to each other's socket, each intact and in its own flow's order: every
    /// reply is corrupt (it carries the other flow's id), though its payload and sequence look right to the flow that gets it.
    /// </summary>
    [Fact]
    public void A_reply_that_arrives_on_another_flows_socket_is_corrupt()
    {
        EndPoint? first = null, second = null;
        var early = new List<byte[]>(); // the first flow's datagrams before the second flow's first
        using var bad = new WrongEchoServer((socket, buffer, n, from) =>
        {
            first ??= from;
            if (from.Equals(first))
            {
                if (second == null) early.Add(buffer[..n]);
                else socket.SendTo(buffer.AsSpan(0, n), SocketFlags.None, second);
                return;
            }
            if (second == null)
            {
                second = from;
                foreach (var d in early) socket.SendTo(d, SocketFlags.None, second);
            }
            socket.SendTo(buffer.AsSpan(0, n), SocketFlags.None, first);
        });
        var r = bad.Load(flows: 2, window: 2, maxPackets: 100);
        Assert.True(r.Received > 0 && r.Corrupt == r.Received, r.Describe());
    }

    /// <summary>One datagram lost: the next reply is out of order once, the ones after it are in order again (the
    /// flow's expected sequence follows the reply, not a count of replies).</summary>
    [Fact]
    public void A_lost_datagram_makes_one_reply_out_of_order_not_all_that_follow()
    {
        int count = 0;
        using var bad = new WrongEchoServer((socket, buffer, n, from) =>
        {
            if (++count != 2) socket.SendTo(buffer.AsSpan(0, n), SocketFlags.None, from);
        });
        var r = bad.Load(flows: 1, window: 2, maxPackets: 100);
        Assert.True(r.Lost == 1 && r.OutOfOrder == 1 && r.Corrupt == 0, r.Describe());
    }

    [Fact]
    public void Rates_count_replies_and_quantiles_outside_zero_to_one_are_refused()
    {
        var r = new UdpLoadResult { Sent = 10, Received = 8, Seconds = 2, LatencyNs = [5] };
        Assert.Equal(4, r.PacketsPerSecond);
        Assert.Equal(2, r.Lost);
        Assert.False(r.Clean);
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Percentile(-0.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Percentile(1.01));
    }

    [Theory]
    [InlineData(8, 1, 1, 1)]    // payload below the header
    [InlineData(64, 0, 1, 1)]   // no flow
    [InlineData(64, 1, 0, 1)]   // an empty window
    [InlineData(64, 1, 1, 0)]   // no core
    public void The_generator_refuses_settings_it_cannot_run(int payload, int flows, int window, int cores) =>
        Assert.ThrowsAny<ArgumentException>(() => UdpLoadGenerator.Run(
            new UdpLoadSettings(9, payload, flows, window, TimeSpan.FromSeconds(1), 10, Cores: TestCores.First(1).Take(cores).ToArray())));

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

    static long _flowsSent;

    /// <summary>A send that records, as a bit each, the flow ids of the datagrams it sends.</summary>
    static unsafe int RecordingFlows(int fd, byte* buffer, int length)
    {
        Interlocked.Or(ref _flowsSent, 1L << *(int*)buffer);
        return SocketCalls.TrySend(fd, buffer, length);
    }

    /// <summary>Five flows dealt to two generator threads: each flow sends (none is left out by the dealing).</summary>
    [Fact]
    public unsafe void Every_flow_sends_when_the_threads_share_them()
    {
        using var server = Start("host", 64);
        _flowsSent = 0;
        var r = UdpLoadGenerator.Run(new UdpLoadSettings(server.Port, 64, Flows: 5, Window: 2, TimeSpan.FromSeconds(20), MaxPackets: 500,
            Cores: [TestCores.First(1)[0], TestCores.UpToTwo[^1]]), &RecordingFlows);
        string account = server.Stop();
        Assert.True(r.Clean, r.Describe() + "; " + account);
        Assert.Equal(0b11111, _flowsSent);
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

using System.Net;
using System.Net.Sockets;
using Multikernel.Net.Nic;
using Multikernel.Net.Wire;

namespace Experiments.Tests;

/// <summary>
/// The multikernel on the user-level stack end to end, over the experiment's own veth wire: the NIC driver dispatcher
/// owns the AF_PACKET ring, the stack dispatcher runs the stack, clients run in the far namespace on the host kernel's
/// own TCP/IP. Needs root and iproute2 (skipped with the reason and the fix otherwise) and two cores (one test runs
/// every dispatcher on one core).
/// </summary>
public class IOUserStackTests
{
    internal static void SkipUnlessWire()
    {
        Assert.SkipWhen(SeriesWire.VethMissing != null, SeriesWire.VethMissing ?? "");
        Assert.SkipUnless(TestCores.HasTwo, "the user-stack multikernel needs a driver core and a stack core; this process may use one");
    }

    /// <summary>A fresh veth wire for one test, and its <paramref name="veth"/> pair; the test is skipped, with the reason, where <see cref="SkipUnlessWire"/> says so.</summary>
    internal static SeriesWire VethWireOrSkip(out VethWire veth)
    {
        SkipUnlessWire();
        var wire = SeriesWire.CreateVeth();
        veth = wire.Veth!;
        return wire;
    }

    /// <summary>A web server whose construction fails after its packet pools were made (here the database dispatcher's
    /// factory throws) frees everything it made: the pools' unmanaged memory as well as the booted cores.</summary>
    [Fact]
    public void AWebServerWhoseConstructionFailsFreesItsPacketPools()
    {
        using var wire = VethWireOrSkip(out _);
        long before = Multikernel.Hardware.NativeBlock.LiveBytes;
        var e = Assert.Throws<InvalidOperationException>(() =>
            MkUserWebServer.Start(wire, TestCores.First(2), (_, _) => throw new InvalidOperationException("planted: no database")));
        Assert.Equal("planted: no database", e.Message);
        Assert.Equal(before, Multikernel.Hardware.NativeBlock.LiveBytes);
    }

    [Theory]
    [InlineData(PacketRingVersion.V3)]
    [InlineData(PacketRingVersion.V2)]
    public void UdpEchoOfEverySizeComesBackByteForByteFromTheFarNamespace(PacketRingVersion version)
    {
        using var wire = VethWireOrSkip(out _);
        using var server = MkUserUdpEchoServer.Start(wire, TestCores.First(2), 1472, ring: new PacketRingOptions { Version = version });
        using var client = wire.InClientNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 });
        client.Connect(new IPEndPoint(server.Address, server.Port));
        IOUdpEchoTests.AssertEchoesEverySize(client, [1, 2, 17, 18, 63, 64, 511, 1024, 1471, 1472]);
        string account = server.Stop();
        Assert.True(server.Balanced, account);
        Assert.Contains("echoed 10,", account);
        Assert.Contains($"NIC driver core {TestCores.First(2)[0]}:", account);
        Assert.Contains($"stack core {TestCores.First(2)[1]}:", account); // two cores: the stack on the second
    }

    [Fact]
    public void ClosedLoopFromTheFarNamespaceLosesNothingAndAllocatesNothingPerPacket()
    {
        using var wire = VethWireOrSkip(out _);
        using var server = MkUserUdpEchoServer.Start(wire, TestCores.First(2), 1024, probe: (3_000, 9_000));
        var r = UdpLoadGenerator.Run(new UdpLoadSettings(server.Port, 1024, Flows: 3, Window: 8, TimeSpan.FromSeconds(30), MaxPackets: 10_000, Cores: [TestCores.First(2)[^1]])
            { Address = server.Address, Namespace = wire.ClientNamespace });
        string account = server.Stop();
        Assert.True(r.Clean, r.Describe() + "; " + account);
        Assert.Equal(10_000, r.Received);
        Assert.True(server.Balanced, account);
        var (driver, stack) = server.ProbeAllocations;
        SteadyStateAllocation.IsNone("NIC driver", driver, account);
        SteadyStateAllocation.IsNone("stack", stack, account);
    }

    [Fact]
    public void StaticPageIsServedOnAKeptAliveConnectionAndTheWireIsRemovedAfterwards()
    {
        SkipUnlessWire();
        string[] before = VethWire.NamespacesOfThisProcess();
        using (var wire = SeriesWire.CreateVeth())
        using (var server = MkUserWebServer.Start(wire, TestCores.First(2)))
        {
            Assert.Null(WebCheck.Static(() => wire.Connect(server.Port)));
            string account = server.Stop();
            Assert.Contains("parsed 3 requests: 3 static", account);
        }
        Assert.Equal(before, VethWire.NamespacesOfThisProcess());
    }

    /// <summary>
    /// The one-core layout (--server-cores 1): NIC driver, stack, HTTP server and database dispatchers all on one core,
    /// bound to each other by URPC rings within the core, run in turn by its CPU driver. Datagrams of every size, the
    /// static page and the item pages come back as on separate cores.
    /// </summary>
    [Fact]
    public void OnOneCoreDriverStackHttpServerAndDatabaseServeEverythingTheyServeOnSeveral()
    {
        using var wire = VethWireOrSkip(out _);
        int core = TestCores.First(1)[0];
        using (var echo = MkUserUdpEchoServer.Start(wire, [core], 1472))
        {
            Assert.Equal([core], echo.Cores);
            using var client = wire.InClientNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 });
            client.Connect(new IPEndPoint(echo.Address, echo.Port));
            IOUdpEchoTests.AssertEchoesEverySize(client, [1, 18, 64, 1024, 1472]);
            string account = echo.Stop();
            Assert.True(echo.Balanced, account);
            Assert.Contains($"NIC driver core {core}:", account);
            Assert.Contains($"stack core {core}:", account);
        }
        string db = Path.Combine(TestCores.TempDir(), "items.sqlite");
        ItemDatabase.Create(db, 50);
        using var server = MkUserWebServer.Start(wire, [core], (http, pool) => new DatabaseDispatcher(http, pool, db));
        Assert.Null(WebCheck.Static(() => wire.Connect(server.Port)));
        Assert.Null(WebCheck.Dynamic(() => wire.Connect(server.Port), db, 50));
        string web = server.Stop();
        Assert.Contains($"database on core {core} (shared with the stack and HTTP server: one server core)", web);
    }

    [Fact]
    public void AClientThatEndsItsSendingSideAfterItsRequestsGetsEveryResponseThenEndOfStream()
    {
        using var wire = VethWireOrSkip(out _);
        using var server = MkUserWebServer.Start(wire, TestCores.First(2));
        for (int i = 0; i < 5; i++)
        {
            using var c = wire.Connect(server.Port, TimeSpan.FromSeconds(20));
            c.Send("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\nGET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
            c.ShutdownSend(); // the stack reads FIN after the requests
            string? problem;
            try { problem = WebCheck.PageProblem(c.Read(), StaticPage.Body) ?? WebCheck.PageProblem(c.Read(), StaticPage.Body); }
            catch (IOException e) { problem = e.Message; }
            Assert.True(problem == null, $"connection {i + 1}: {problem}");
            Assert.True(c.ClosedByServer(), $"connection {i + 1}: the server did not end the connection after answering");
        }
        Assert.Contains("parsed 10 requests: 10 static", server.Stop());
    }

    [Fact]
    public void BytesSentAfterTheServerClosedAreDroppedUntilTheLingeringEndsAndResetAfter()
    {
        SkipUnlessWire();
        using var wire = SeriesWire.CreateVeth();
        using var server = MkUserWebServer.Start(wire, TestCores.First(2), lingerTimeout: TimeSpan.FromMilliseconds(500));
        using var c = wire.Connect(server.Port, TimeSpan.FromSeconds(20));
        ClosingRequest.SendAndExpectThePageThenEndOfStream(c);
        var more = new byte[64 * 1024];
        for (int i = 0; i < 4; i++) c.Send(more); // lingering: read and dropped, no reset
        Thread.Sleep(1500);                       // the linger time and the bridge's timeout sweeps (every 100 ms)
        // The socket is closed now: the stack answers further bytes with a reset, and a later send fails.
        Assert.Throws<SocketException>(() => { for (int i = 0; i < 64; i++) { c.Send(more); Thread.Sleep(10); } });
        server.Stop();
        Assert.Equal(1, server.Bridge.Counters.Lingered);
        Assert.True(server.Bridge.Counters.DiscardedBytes >= 4 * more.Length, $"{server.Bridge.Counters.DiscardedBytes} bytes discarded");
    }

    [Fact]
    public void KeptAliveStaticRequestsAllocateNothingOnTheDriverStackAndHttpCores()
    {
        using var wire = VethWireOrSkip(out _);
        using var server = MkUserWebServer.Start(wire, TestCores.First(2), probe: (2_000, 6_000));
        const int clients = 4, each = 2_000;
        var connections = Enumerable.Range(0, clients).Select(_ => wire.Connect(server.Port, TimeSpan.FromSeconds(10))).ToArray();
        try
        {
            string request = $"GET {StaticPage.Path} HTTP/1.1\r\nHost: x\r\n\r\n";
            var problems = new string?[clients];
            var threads = Enumerable.Range(0, clients).Select(i => new Thread(() =>
            {
                for (int k = 0; k < each && problems[i] == null; k++)
                {
                    connections[i].Send(request);
                    problems[i] = WebCheck.PageProblem(connections[i].Read(), StaticPage.Body);
                }
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a client did not finish");
            Assert.All(problems, p => Assert.Null(p));
        }
        finally
        {
            foreach (var c in connections) c.Dispose();
        }
        string account = server.Stop();
        var (driver, stack, http) = server.ProbeAllocations;
        SteadyStateAllocation.IsNone("NIC driver", driver, account);
        SteadyStateAllocation.IsNone("stack", stack, account);
        SteadyStateAllocation.IsNone("HTTP server", http, account);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Multikernel.Tests.Net;

/// <summary>
/// End to end over a real kernel-maintained frame ring: a veth pair in the test's own namespaces (link-local
/// addresses only), the AF_PACKET TPACKET_V3 ring on one end with the user-level stack behind it, and the host
/// kernel's own TCP/IP stack on the far end as the client. Needs root and iproute2; skipped with the fix otherwise.
/// Every test removes what it built and checks that no namespace or veth is left.
/// </summary>
public class WireEndToEndTests
{
    static string Ip(params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    /// <summary>Both ring versions, each with the kernel copying transmitted frames (linear) and attaching the slots' pages.</summary>
    public static TheoryData<PacketRingVersion, bool> RingVariants => new()
    {
        { PacketRingVersion.V2, true }, { PacketRingVersion.V3, true }, { PacketRingVersion.V2, false }, { PacketRingVersion.V3, false },
    };

    [Fact]
    public void WireIsBuiltWithLinkLocalAddressesOnlyAndRemovedWithoutLeftovers()
    {
        StackOnWire.SkipUnlessAvailable();
        var wire = VethWire.Create(subnet: 78);
        string s = wire.ServerNamespace, f = wire.FarNamespace;
        try
        {
            Assert.True(NetNamespace.Exists(s) && NetNamespace.Exists(f));
            Assert.Equal("", Ip("-n", s, "-4", "-o", "address", "show", "dev", VethWire.ServerInterface).Trim()); // the kernel has no address here
            Assert.Equal("", Ip("-n", s, "-6", "-o", "address", "show", "dev", VethWire.ServerInterface).Trim());
            string far = Ip("-n", f, "-o", "address", "show", "dev", VethWire.FarInterface);
            Assert.Contains("inet 169.254.78.2/24", far);
            Assert.DoesNotContain("inet6", far);
            Assert.True(wire.ServerAddress.IsLinkLocal && wire.FarAddress.IsLinkLocal);
            Assert.Contains(wire.ServerMac.ToString(), Ip("-n", s, "-o", "link", "show", "dev", VethWire.ServerInterface));
        }
        finally { wire.Dispose(); }
        Assert.False(NetNamespace.Exists(s) || NetNamespace.Exists(f));
        string rootLinks = Ip("-o", "link", "show");
        Assert.DoesNotContain(VethWire.ServerInterface + ":", rootLinks);
        Assert.DoesNotContain(VethWire.FarInterface + "@", rootLinks);
        wire.Dispose(); // a second dispose is harmless
    }

    /// <summary>
    /// Two threads dispose one wire at once (a signal handler's cleanup and the program's own using): neither returns
    /// before the namespaces are gone, so a program that ends right after its own Dispose leaves nothing behind.
    /// </summary>
    [Fact]
    public void ConcurrentDisposesBothReturnOnlyOnceTheWireIsGone()
    {
        StackOnWire.SkipUnlessAvailable();
        for (int round = 0; round < 3; round++)
        {
            var wire = VethWire.Create(subnet: 82);
            string s = wire.ServerNamespace, f = wire.FarNamespace;
            using var start = new System.Threading.Barrier(2);
            var leftovers = new string?[2];
            var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                wire.Dispose();
                leftovers[i] = NetNamespace.Exists(s) || NetNamespace.Exists(f) ? $"thread {i}: a namespace of the wire existed after its Dispose returned" : null;
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a Dispose did not return");
            Assert.All(leftovers, Assert.Null);
        }
    }

    /// <summary>
    /// The process's cleanup (a signal handler's <see cref="VethWire.RemoveUndisposed"/>) runs while a wire is being
    /// built: whichever comes first, nothing of the wire is left once both have returned. Here the cleanup runs over
    /// and over on another thread from before the wire is registered until its Create has returned or thrown.
    /// </summary>
    [Fact]
    public void ACleanupThatRunsWhileAWireIsBuiltLeavesNothingBehind()
    {
        StackOnWire.SkipUnlessAvailable();
        var done = new ManualResetEventSlim();
        var cleanup = new Thread(() => { while (!done.IsSet) VethWire.RemoveUndisposed(); }) { IsBackground = true, Name = "cleanup" };
        cleanup.Start();
        try
        {
            try { VethWire.Create(subnet: 87); }
            catch (WireException) { } // a wire removed before it was built may say so
            finally { done.Set(); }
            Assert.True(cleanup.Join(TimeSpan.FromSeconds(60)), "the cleanup thread did not stop");
            Assert.Empty(VethWire.NamespacesOfThisProcess());
        }
        finally
        {
            foreach (string ns in VethWire.NamespacesOfThisProcess()) Ip("netns", "del", ns);
        }
    }

    /// <summary>Receive steering writes each end's rps_cpus inside its own namespace: the server end's to the server cores, the far end's to the load cores.</summary>
    [Fact]
    public void SteeringPutsEachEndsReceiveWorkOnItsOwnCores()
    {
        StackOnWire.SkipUnlessAvailable();
        var allowed = CoreAffinity.AllowedCpus();
        int server = allowed[0], far = allowed[^1];
        using var wire = VethWire.Create(subnet: 81);
        Assert.Null(wire.ReceiveCores);
        string RpsCpus(string ns, string dev) => Ip("netns", "exec", ns, "cat", $"/sys/class/net/{dev}/queues/rx-0/rps_cpus");
        Assert.Empty(CpuBitmap.Parse(RpsCpus(wire.ServerNamespace, VethWire.ServerInterface))); // the veth's default: no steering
        wire.SteerReceive([server], [far]);
        Assert.Equal([server], CpuBitmap.Parse(RpsCpus(wire.ServerNamespace, VethWire.ServerInterface)));
        Assert.Equal([far], CpuBitmap.Parse(RpsCpus(wire.FarNamespace, VethWire.FarInterface)));
        Assert.Equal([server], wire.ReceiveCores!.Value.Server);
        Assert.Equal([far], wire.ReceiveCores!.Value.Far);
    }

    [Fact]
    public void NamespacesLeftByADeadProcessAreRemovedAndLiveOnesKept()
    {
        StackOnWire.SkipUnlessAvailable();
        int deadPid = 4_194_304; // pid_max is at most 2^22, so pids stay below it: never a running process
        string stale = $"{VethWire.NamePrefix}{deadPid}-1-1-s";
        Ip("netns", "add", stale);
        try
        {
            using var live = VethWire.Create(subnet: 79);
            Assert.False(NetNamespace.Exists(stale), "Create should have removed the dead process's namespace");
            Ip("netns", "add", stale);
            VethWire.RemoveStale(); // (another test process may get there first: the check is that it is gone)
            Assert.False(NetNamespace.Exists(stale));
            Assert.True(NetNamespace.Exists(live.ServerNamespace), "a live wire must survive the stale cleanup");
        }
        finally
        {
            if (NetNamespace.Exists(stale)) Ip("netns", "del", stale);
        }
        Assert.Empty(VethWire.NamespacesOfThisProcess());
    }

    /// <summary>
    /// A wire's owner in another PID namespace (a container's process, say, sharing /run/netns) names it with its pid
    /// there, which here is another process or none: while that owner runs, <see cref="VethWire.RemoveStale"/> must
    /// leave its namespace. The owner here is pid 1 of a new PID namespace holding its namespace file as every owner
    /// does (a shared flock); once it is killed the namespace is stale and removed.
    /// </summary>
    [Fact]
    public void ANamespaceWhoseOwnerRunsInAnotherPidNamespaceIsKeptUntilTheOwnerDies()
    {
        StackOnWire.SkipUnlessAvailable();
        string? unshare = Tool("unshare"), flock = Tool("flock");
        Assert.SkipWhen(unshare == null || flock == null, "needs util-linux's unshare and flock");
        var psi = new ProcessStartInfo(unshare!) { RedirectStandardInput = true };
        foreach (string a in (string[])["--pid", "--fork", "--kill-child", "sh", "-c", $"read ns && exec {flock} -s \"$ns\" sleep 120"]) psi.ArgumentList.Add(a);
        using var owner = Process.Start(psi)!;
        string? name = null;
        try
        {
            int hostPid = ChildOf(owner.Id);
            name = $"{VethWire.NamePrefix}1-{StartTime(hostPid)}-1-s"; // pid 1 in its own PID namespace
            Ip("netns", "add", name);
            string path = Path.Combine(NetNamespace.Root, name);
            owner.StandardInput.WriteLine(path);
            owner.StandardInput.Flush();
            var until = DateTime.UtcNow.AddSeconds(20);
            while (Exit(flock!, "-x", "-n", path, "true") == 0)
            {
                Assert.True(DateTime.UtcNow < until, "the owner did not take its lock");
                Thread.Sleep(10);
            }
            VethWire.RemoveStale();
            Assert.True(NetNamespace.Exists(name), "the namespace of a live owner in another PID namespace was removed");

            owner.Kill(entireProcessTree: true);
            owner.WaitForExit();
            VethWire.RemoveStale(); // (another test process may get there first: the check is that it is gone)
            Assert.False(NetNamespace.Exists(name), "the namespace of a dead owner was left");
        }
        finally
        {
            if (!owner.HasExited) owner.Kill(entireProcessTree: true);
            if (name != null && NetNamespace.Exists(name)) Ip("netns", "del", name);
        }
    }

    static string? Tool(string name) =>
        new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" }.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    static int Exit(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>The pid (here) of the one child of <paramref name="pid"/>, waiting up to 20 s for it to appear.</summary>
    static int ChildOf(int pid)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            string children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Trim();
            if (children.Length > 0) return int.Parse(children.Split(' ')[0]);
            Assert.True(DateTime.UtcNow < until, $"process {pid} started no child");
            Thread.Sleep(10);
        }
    }

    /// <summary>Field 22 of /proc/PID/stat: the start time in clock ticks since boot, the same in every PID namespace.</summary>
    static long StartTime(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[22 - 3]);
    }

    [Fact]
    public void UserStackAnswersPingAndArpFromTheFarKernel()
    {
        StackOnWire.SkipUnlessAvailable();
        using var w = new StackOnWire();
        var replies = w.Wire.RunInFarNamespace(() =>
        {
            using var ping = new Ping();
            return Enumerable.Range(0, 3).Select(i => ping.Send(w.Wire.ServerAddress.ToIPAddress(), 5000, new byte[56 + i * 100])).ToList();
        });
        Assert.All(replies, r => Assert.Equal(IPStatus.Success, r.Status));
        Assert.Equal(new[] { 56, 156, 256 }, replies.Select(r => r.Buffer.Length));
        // ARP: the far kernel resolved the stack's address to the ring's MAC, and the stack learnt the far MAC.
        string neighbours = Ip("-n", w.Wire.FarNamespace, "neigh", "show", "dev", VethWire.FarInterface);
        Assert.Contains($"{w.Wire.ServerAddress} lladdr {w.Wire.ServerMac}", neighbours);
        w.Stop();
        Assert.True(w.Stack.TryGetArpEntry(w.Wire.FarAddress, out var farMac));
        Assert.Equal(w.Wire.FarMac, farMac);
        Assert.True(w.Stack.Counters.ArpRequestsAnswered >= 1);
        Assert.Equal(3, w.Stack.Counters.IcmpEchoReplies);
    }

    [Theory]
    [MemberData(nameof(RingVariants))]
    public void UserStackEchoesUdpDatagramsOfEverySize(PacketRingVersion version, bool linearTransmit)
    {
        StackOnWire.SkipUnlessAvailable();
        using var w = new StackOnWire(setup: s => s.BindUdp(7, new UdpEchoApplication()), version: version, linearTransmit: linearTransmit);
        using var udp = w.FarSocket(SocketType.Dgram, ProtocolType.Udp);
        var rng = new Random(7);
        var buffer = new byte[2048];
        foreach (int size in new[] { 0, 1, 18, 64, 500, 1024, 1471, 1472 })
        {
            var datagram = new byte[size];
            rng.NextBytes(datagram);
            udp.SendTo(datagram, w.ServerEndPoint(7));
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = udp.ReceiveFrom(buffer, ref from);
            Assert.Equal(datagram, buffer[..n]);
            Assert.Equal(w.ServerEndPoint(7), from);
        }
        w.Stop();
        Assert.Equal(0, w.Stack.Counters.UdpChecksumErrors);
        Assert.Equal(0, w.Ring.RxTruncated);
    }

    [Fact]
    public void KernelTcpClientGetsHttpResponsesOverKeepAliveAndClosesCleanly()
    {
        StackOnWire.SkipUnlessAvailable();
        MiniHttpServer? server = null;
        using var w = new StackOnWire(
            setup: s => { s.Tcp.Listen(80); server = new MiniHttpServer(s.Tcp, 80); },
            application: s => server!.Poll(s.Now));
        using var client = w.FarSocket(SocketType.Stream, ProtocolType.Tcp);
        client.Connect(w.ServerEndPoint(80));
        var buffer = new byte[1024];
        for (int i = 0; i < 20; i++)
        {
            client.Send(MiniHttpServer.Request($"/{i}"));
            int got = 0;
            while (got < MiniHttpServer.Response.Length)
            {
                int n = client.Receive(buffer, got, buffer.Length - got, SocketFlags.None);
                Assert.True(n > 0, "the stack closed the connection");
                got += n;
            }
            Assert.Equal(MiniHttpServer.Response, buffer[..got]);
        }
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, client.Receive(buffer)); // the stack's FIN
        client.Close();
        Thread.Sleep(200);
        w.Stop();
        Assert.Equal(20, server!.Served);
        Assert.Equal(0, w.Stack.Counters.TcpChecksumErrors);
        Assert.Equal(0, w.Stack.Tcp.ConnectionsInUse); // LAST_ACK completed by the kernel's ACK
    }

    [Theory]
    [MemberData(nameof(RingVariants))]
    public void KernelTcpClientStreamsAMegabyteThroughTheUserStackAndBack(PacketRingVersion version, bool linearTransmit)
    {
        StackOnWire.SkipUnlessAvailable();
        var echo = new TcpEchoApplication(7);
        using var w = new StackOnWire(setup: s => s.Tcp.Listen(7), application: echo.Poll, version: version, linearTransmit: linearTransmit);
        using var client = w.FarSocket(SocketType.Stream, ProtocolType.Tcp);
        client.Connect(w.ServerEndPoint(7));
        EchoesBack(client, bytes: 1 << 20, seed: 3);
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, client.Receive(new byte[1]));
        w.Stop();
        Assert.Equal(0, w.Ring.RxTruncated);
        Assert.Equal(0, w.Stack.Counters.Malformed);           // no frame larger than the MTU crossed the wire
        Assert.Equal(0, w.Stack.Counters.TcpChecksumErrors);
    }

    [Fact]
    public void TcpRecoversFromLossInBothDirectionsAgainstTheKernelsTcp()
    {
        StackOnWire.SkipUnlessAvailable();
        var echo = new TcpEchoApplication(7);
        using var w = new StackOnWire(setup: s => s.Tcp.Listen(7), application: echo.Poll, lossPercent: 3);
        using var client = w.FarSocket(SocketType.Stream, ProtocolType.Tcp);
        client.ReceiveTimeout = 60_000;
        client.Connect(w.ServerEndPoint(7));
        EchoesBack(client, bytes: 256 * 1024, seed: 5);
        w.Stop();
        Assert.True(w.LostReceived > 0, "no received frame was dropped: the test did not test loss");
        Assert.True(w.Stack.Counters.TcpRetransmissions + w.Stack.Counters.TcpFastRetransmissions > 0, "the stack never retransmitted");
        Assert.True(w.Stack.Counters.TcpOutOfOrder + w.Stack.Counters.TcpOutOfWindow > 0, "the kernel's retransmissions were never seen");
    }

    /// <summary>Sends <paramref name="bytes"/> random bytes on a second thread while reading the echo; checks every byte came back in order.</summary>
    static void EchoesBack(Socket client, int bytes, int seed)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        var received = new byte[data.Length];
        Exception? sendFailure = null;
        var sender = new Thread(() =>
        {
            try { client.Send(data); }
            catch (Exception e) { sendFailure = e; }
        });
        sender.Start();
        int got = 0;
        while (got < data.Length)
        {
            int n = client.Receive(received, got, data.Length - got, SocketFlags.None);
            Assert.True(n > 0, $"the stack closed after {got} bytes");
            got += n;
        }
        Assert.True(sender.Join(TimeSpan.FromSeconds(60)));
        Assert.Null(sendFailure);
        Assert.Equal(data, received);
    }

    /// <summary>
    /// A failure of the ring/stack loop fails the test also where the test never calls <see cref="StackOnWire.Stop"/>
    /// (as <see cref="ClosedPortsAreRefusedWithReset"/> does not): Dispose removes the wire, then reports it.
    /// </summary>
    [Fact]
    public void ALoopFailureIsReportedByDisposeWhereTheTestDidNotStopTheLoop()
    {
        StackOnWire.SkipUnlessAvailable();
        using var failed = new ManualResetEventSlim();
        var w = new StackOnWire(application: _ =>
        {
            failed.Set();
            throw new InvalidOperationException("the application failed on the loop's thread");
        });
        Assert.True(failed.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the loop never ran the application");
        var e = Assert.ThrowsAny<Exception>(w.Dispose);
        Assert.Contains("the application failed on the loop's thread", e.Message);
        Assert.Empty(VethWire.NamespacesOfThisProcess());
    }

    [Fact]
    public void ClosedPortsAreRefusedWithReset()
    {
        StackOnWire.SkipUnlessAvailable();
        using var w = new StackOnWire(setup: s => s.Tcp.Listen(80));
        using var client = w.FarSocket(SocketType.Stream, ProtocolType.Tcp);
        var e = Assert.Throws<SocketException>(() => client.Connect(w.ServerEndPoint(81)));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public void TheServerAddressCanBeLentToTheKernelForABaseline()
    {
        StackOnWire.SkipUnlessAvailable();
        using var wire = VethWire.Create(subnet: 80);
        wire.AssignServerAddressToKernel();
        var reply = wire.RunInFarNamespace(() => new Ping().Send(wire.ServerAddress.ToIPAddress(), 5000));
        Assert.Equal(IPStatus.Success, reply.Status); // answered by the server namespace's kernel
        wire.RemoveServerAddressFromKernel();
        Assert.Equal("", Ip("-n", wire.ServerNamespace, "-4", "-o", "address", "show", "dev", VethWire.ServerInterface).Trim());
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Multikernel.Net.Nic;
using Multikernel.Net.Wire;

namespace Experiments.Tests;

/// <summary>
/// The user-stack multikernel (driver core, stack core, HTTP server) under hostile traffic on its own veth wire, and
/// only there: malformed frames injected from the far end's own AF_PACKET ring, a bounded SYN flood from spoofed
/// link-local addresses, 2,000 idle connections, slowloris clients and a 100 KB request header, while a good client
/// must still be served. Bounded in count and time. The hostile frames are built here, independently of the stack's
/// writers. Needs root and iproute2 (skipped with the reason otherwise) and two cores.
/// </summary>
public class IOUserStackRobustnessTests
{
    [Fact]
    public void MalformedFramesAreCountedAndDroppedAndTheEchoKeepsServing()
    {
        using var wire = IOUserStackTests.VethWireOrSkip(out var veth);
        using var server = MkUserUdpEchoServer.Start(wire, TestCores.First(2), 1472);
        using var client = wire.InClientNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 });
        client.Connect(new IPEndPoint(server.Address, server.Port));
        var reply = new byte[2000];
        client.Send("before"u8); // ARP both ways, and the echo works
        Assert.Equal(6, client.Receive(reply));
        ushort clientPort = (ushort)((IPEndPoint)client.LocalEndPoint!).Port;

        var f = new WireFrames(veth.FarMac, veth.ServerMac, veth.FarAddress, veth.ServerAddress);
        byte[] good = f.Udp(clientPort, MkUserUdpEchoServer.EchoPort, "options"u8, ipOptions: 8);
        var malformed = new List<byte[]>
        {
            new byte[10],                                                     // runt: shorter than an Ethernet header
            f.Ethernet(0x0800, new byte[12]),                                 // IPv4 header cut short
            f.Corrupt(f.Udp(clientPort, MkUserUdpEchoServer.EchoPort, "x"u8), 14 + 10),   // IP header checksum wrong
            f.SetIp(f.Udp(clientPort, MkUserUdpEchoServer.EchoPort, "x"u8), totalLength: 1400), // IP length beyond the frame
            f.SetIp(f.Udp(clientPort, MkUserUdpEchoServer.EchoPort, "x"u8), totalLength: 10),   // IP length below its header
            f.SetIp(f.Udp(clientPort, MkUserUdpEchoServer.EchoPort, "x"u8), versionIhl: 0x44),  // IHL 4 (< 5 words)
            f.SetIp(f.Udp(clientPort, MkUserUdpEchoServer.EchoPort, "x"u8), versionIhl: 0x65),  // version 6 in an IPv4 frame
            f.Corrupt(f.Udp(clientPort, MkUserUdpEchoServer.EchoPort, "payload"u8), 14 + 20 + 8), // UDP checksum wrong (payload changed)
            f.SetUdpLength(f.Udp(clientPort, MkUserUdpEchoServer.EchoPort, "y"u8), 400),         // UDP length beyond the datagram
            f.Corrupt(f.Tcp(40000, MkUserUdpEchoServer.EchoPort, 0x02), 14 + 20 + 16),          // TCP checksum wrong
        };
        const int rounds = 20;
        using var ring = veth.RunInFarNamespace(() => PacketRing.Open(VethWire.FarInterface));
        for (int r = 0; r < rounds; r++)
        {
            foreach (var frame in malformed) Send(ring, frame);
            ring.Kick();
            Thread.Sleep(1);
        }
        Send(ring, good); // IP options are accepted and skipped: this one is echoed to the client's socket
        ring.Kick();
        int n = client.Receive(reply);
        Assert.Equal("options", Encoding.ASCII.GetString(reply, 0, n));
        for (int i = 0; i < 100; i++)
        {
            byte[] d = BitConverter.GetBytes(i);
            client.Send(d);
            Assert.Equal(4, client.Receive(reply));
            Assert.Equal(i, BitConverter.ToInt32(reply, 0));
        }
        string account = server.Stop();
        var c = server.StackCounters;
        Assert.True(server.Balanced, account);
        Assert.True(c.Malformed + c.IpChecksumErrors + c.UdpChecksumErrors + c.TcpChecksumErrors + c.UnknownProtocol >= rounds * (malformed.Count - 1),
            $"malformed {c.Malformed}, IP checksum {c.IpChecksumErrors}, UDP checksum {c.UdpChecksumErrors}, TCP checksum {c.TcpChecksumErrors}, unknown {c.UnknownProtocol}; {account}");
        Assert.True(c.IpChecksumErrors >= rounds && c.UdpChecksumErrors >= rounds && c.TcpChecksumErrors >= rounds, account);
        Assert.True(c.IpOptionsSkipped >= 1, account);
        Assert.Equal(102, c.UdpOut); // "before", the options datagram, 100 good ones: nothing malformed was echoed
    }

    [Fact]
    public void UnderASynFloodIdleConnectionsSlowlorisAndAHugeHeaderAGoodClientIsStillServed()
    {
        using var wire = IOUserStackTests.VethWireOrSkip(out var veth);
        using var server = MkUserWebServer.Start(wire, TestCores.First(2), requestTimeout: TimeSpan.FromSeconds(2));
        Assert.Null(WebCheck.Static(() => wire.Connect(server.Port)));

        // A bounded SYN flood from 200 spoofed link-local addresses nobody answers ARP for: half-open connections stay bounded.
        var f = new WireFrames(veth.FarMac, veth.ServerMac, veth.FarAddress, veth.ServerAddress);
        using (var ring = veth.RunInFarNamespace(() => PacketRing.Open(VethWire.FarInterface)))
        {
            for (int i = 0; i < 3000; i++)
            {
                var from = new Ipv4Address(169, 254, SeriesWire.Subnet, (byte)(10 + i % 200));
                Send(ring, f.Tcp((ushort)(20000 + i), server.Port, 0x02, source: from));
                if (i % 64 == 63) { ring.Kick(); Thread.Sleep(1); }
            }
            ring.Kick();
        }
        // 2,000 idle connections from the far kernel, three slowloris clients and one 100 KB request head.
        var idle = new List<Socket>();
        var slow = new List<HttpClientConnection>();
        try
        {
            wire.InClientNamespace(() =>
            {
                for (int i = 0; i < 2000; i++)
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    idle.Add(s);
                    s.Connect(new IPEndPoint(server.Address, server.Port));
                }
                return 0;
            });
            for (int i = 0; i < 3; i++) slow.Add(wire.Connect(server.Port));
            using (var huge = wire.Connect(server.Port))
            {
                string head = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 100 * 1024) + "\r\n\r\n";
                // The server answers 431 once its inbox is full and lingers, dropping the rest of the head: the whole
                // head can be sent, and the answer arrives instead of a reset.
                huge.Send(head);
                Assert.Equal(431, huge.Read().Status);
                Assert.True(huge.ClosedByServer(), "the server did not end the connection with end-of-stream after its 431");
            }
            string trickle = "GET /index.html HTTP/1.1\r\nHost: x\r\n";
            for (int k = 0; k < 6; k++)
            {
                foreach (var c in slow) c.Send(trickle.Substring(k, 1));
                Thread.Sleep(100);
            }
            // The good client, while all of the above hold connections.
            Assert.Null(WebCheck.Static(() => wire.Connect(server.Port)));
            Thread.Sleep(3000); // past the 2 s request timeout: the slowloris clients are cut off
            Assert.All(slow, c => Assert.True(c.ClosedByServer(), "a slowloris connection is still open after the request timeout"));
            Assert.Null(WebCheck.Static(() => wire.Connect(server.Port)));
        }
        finally
        {
            foreach (var s in idle) s.Dispose();
            foreach (var c in slow) c.Dispose();
        }
        string account = server.Stop();
        var stack = server.StackCores.Stack.Stack;
        Assert.True(stack.Counters.TcpIn >= 3000, $"the flood did not reach the stack: {stack.Counters.TcpIn} TCP segments in; {account}");
        Assert.True(stack.Tcp.HalfOpen <= stack.Options.MaxHalfOpen, $"{stack.Tcp.HalfOpen} half-open; {account}");
        Assert.True(server.Bridge.Counters.Accepted >= 2000 + 3 + 1 + 2, account);
        Assert.True(server.Bridge.Counters.TimedOut >= 3, account);
        Assert.True(server.Bridge.Counters.Lingered >= 1, account);
        // The 100 KB head past the inbox and the receive buffers out at the server was read and dropped, not reset.
        Assert.True(server.Bridge.Counters.DiscardedBytes >= 100 * 1024 - HttpConnection.InboxBytes - Multikernel.Drivers.ServedConnection.RxCredits * MkWebServer.RxBufferBytes, account);
        Assert.True(server.Http.InboxesInUse <= HttpServerDispatcher.Inboxes, account);
        Assert.True(stack.Tcp.BufferBytesHeld < 64L * 1024 * 1024, $"{stack.Tcp.BufferBytesHeld} B held in connection buffers; {account}");
    }

    static void Send(PacketRing ring, byte[] frame)
    {
        var slot = ring.BeginFrame();
        if (slot.IsEmpty) { ring.Kick(); Thread.Sleep(1); slot = ring.BeginFrame(); }
        Assert.False(slot.IsEmpty, "the far ring stayed full");
        int length = Math.Max(frame.Length, 14);
        frame.CopyTo(slot);
        if (frame.Length < 14) slot[frame.Length..14].Clear();
        ring.CommitFrame(length);
    }
}

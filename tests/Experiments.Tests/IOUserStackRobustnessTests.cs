using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Multikernel.Net;
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
        IOUserStackTests.SkipUnlessWire();
        using var wire = SeriesWire.CreateVeth();
        var veth = wire.Veth!;
        using var server = MkUserUdpEchoServer.Start(wire, TestCores.First(2)[0], TestCores.First(2)[1], 1472);
        using var client = wire.InClientNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 });
        client.Connect(new IPEndPoint(server.Address, server.Port));
        var reply = new byte[2000];
        client.Send("before"u8); // ARP both ways, and the echo works
        Assert.Equal(6, client.Receive(reply));
        ushort clientPort = (ushort)((IPEndPoint)client.LocalEndPoint!).Port;

        var f = new Frames(veth.FarMac, veth.ServerMac, veth.FarAddress, veth.ServerAddress);
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
        IOUserStackTests.SkipUnlessWire();
        using var wire = SeriesWire.CreateVeth();
        var veth = wire.Veth!;
        using var server = MkUserWebServer.Start(wire, TestCores.First(2), requestTimeout: TimeSpan.FromSeconds(2));
        Assert.Null(WebCheck.Static(() => wire.Connect(server.Port)));

        // A bounded SYN flood from 200 spoofed link-local addresses nobody answers ARP for: half-open connections stay bounded.
        var f = new Frames(veth.FarMac, veth.ServerMac, veth.FarAddress, veth.ServerAddress);
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
                int status = 0;
                try
                {
                    huge.Send(head);
                    status = huge.Read().Status;
                }
                catch (Exception e) when (e is IOException or SocketException) { status = -1; } // closed while we were still sending: also a refusal
                Assert.True(status is 431 or -1, $"a 100 KB request head got {status}");
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
        Assert.True(server.Bridge.Accepted >= 2000 + 3 + 1 + 2, account);
        Assert.True(server.Bridge.TimedOut >= 3, account);
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

    /// <summary>Frames from the far end to the server, written field by field (RFC 791, 768, 793).</summary>
    sealed class Frames(MacAddress src, MacAddress dst, Ipv4Address from, Ipv4Address to)
    {
        public byte[] Ethernet(ushort type, ReadOnlySpan<byte> payload)
        {
            var b = new byte[14 + payload.Length];
            dst.Write(b);
            src.Write(b.AsSpan(6));
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(12), type);
            payload.CopyTo(b.AsSpan(14));
            return b;
        }

        byte[] Ip(byte protocol, ReadOnlySpan<byte> payload, Ipv4Address source, int options = 0)
        {
            int header = 20 + options;
            var ip = new byte[header + payload.Length];
            ip[0] = (byte)(0x40 | header / 4);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
            ip[6] = 0x40; // DF
            ip[8] = 64;
            ip[9] = protocol;
            source.Write(ip.AsSpan(12));
            to.Write(ip.AsSpan(16));
            for (int i = 20; i < header; i++) ip[i] = 1; // NOP options
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), Sum(ip.AsSpan(0, header), 0));
            payload.CopyTo(ip.AsSpan(header));
            return Ethernet(0x0800, ip);
        }

        public byte[] Udp(ushort sourcePort, ushort port, ReadOnlySpan<byte> data, int ipOptions = 0)
        {
            var u = new byte[8 + data.Length];
            BinaryPrimitives.WriteUInt16BigEndian(u, sourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), port);
            BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)u.Length);
            data.CopyTo(u.AsSpan(8));
            ushort sum = Sum(u, Pseudo(from, 17, u.Length));
            BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(6), sum == 0 ? (ushort)0xFFFF : sum);
            return Ip(17, u, from, ipOptions);
        }

        public byte[] Tcp(ushort sourcePort, int port, byte flags, Ipv4Address? source = null)
        {
            var t = new byte[24];
            BinaryPrimitives.WriteUInt16BigEndian(t, sourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), (ushort)port);
            BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(4), 0x1000_0000u + sourcePort);
            t[12] = 6 << 4;
            t[13] = flags;
            BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(14), 65535);
            t[20] = 2; t[21] = 4; BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(22), 1460); // MSS option
            var s = source ?? from;
            BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(16), Sum(t, Pseudo(s, 6, t.Length)));
            return Ip(6, t, s);
        }

        public byte[] Corrupt(byte[] frame, int at) { frame[at] ^= 0x5A; return frame; }

        /// <summary>Changes IP header fields after the fact and recomputes the header checksum, so only the named field is wrong.</summary>
        public byte[] SetIp(byte[] frame, int? totalLength = null, byte? versionIhl = null)
        {
            var ip = frame.AsSpan(14);
            if (totalLength is { } l) BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)l);
            if (versionIhl is { } v) ip[0] = v;
            ip[10] = ip[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Sum(ip[..20], 0));
            return frame;
        }

        public byte[] SetUdpLength(byte[] frame, int length)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 20 + 4), (ushort)length);
            return frame;
        }

        uint Pseudo(Ipv4Address source, byte protocol, int length) => Pseudo(source.Value) + protocol + (uint)length;
        uint Pseudo(uint source) => (source >> 16) + (source & 0xFFFF) + (to.Value >> 16) + (to.Value & 0xFFFF);

        static ushort Sum(ReadOnlySpan<byte> data, uint start)
        {
            ulong sum = start;
            for (int i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
            if (data.Length % 2 == 1) sum += (uint)data[^1] << 8;
            while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
            return (ushort)~sum;
        }
    }
}

using System.Buffers.Binary;

namespace Multikernel.Tests.Net;

/// <summary>Ethernet, ARP, IPv4, ICMP and UDP of the user-level stack, driven frame by frame (no wire, no root needed).</summary>
public class NetStackTests
{
    sealed class UdpEcho : IUdpReceiver
    {
        public int Count;
        public void OnDatagram(NetStack stack, in UdpDatagram d, ReadOnlySpan<byte> payload)
        {
            Count++;
            stack.SendUdp(d.Source, d.DestinationPort, d.SourcePort, payload);
        }
    }

    /// <summary>A harness whose stack echoes UDP port 7 through <paramref name="echo"/> and already knows the peer (ARP done).</summary>
    static StackHarness EchoingOnPort7(out UdpEcho echo, int txSlots = 4096)
    {
        var h = new StackHarness(txSlots: txSlots);
        echo = new UdpEcho();
        h.Stack.BindUdp(7, echo);
        h.Introduce();
        return h;
    }

    /// <summary>An ARP reply from the stack (sender: its MAC and the address in use) to the peer's MAC, whose target
    /// IP is <paramref name="targetIp"/>.</summary>
    static void AssertArpReplyToPeer(SentFrame reply, Ipv4Address targetIp)
    {
        Assert.Equal(TestFrames.Arp, reply.EtherType);
        Assert.Equal(StackHarness.PeerMac, reply.Destination);
        Assert.Equal(StackHarness.StackMac, reply.Source);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(reply.L3[6..]));                 // a reply
        Assert.Equal(StackHarness.StackMac, MacAddress.Read(reply.L3[8..]));                  // sender: us
        Assert.Equal(StackHarness.StackIp, Ipv4Address.Read(reply.L3[14..]));
        Assert.Equal(StackHarness.PeerMac, MacAddress.Read(reply.L3[18..]));                  // target: the peer
        Assert.Equal(targetIp, Ipv4Address.Read(reply.L3[24..]));
    }

    [Fact]
    public void AnswersArpRequestForItsAddressAndLearnsTheAsker()
    {
        using var h = new StackHarness();
        h.Deliver(TestFrames.Ethernet(MacAddress.Broadcast, StackHarness.PeerMac, TestFrames.Arp,
            TestFrames.ArpPacket(1, StackHarness.PeerMac, StackHarness.PeerIp, MacAddress.Zero, StackHarness.StackIp)));
        AssertArpReplyToPeer(Assert.Single(h.Tx.Drain()), StackHarness.PeerIp);            // target: the asker
        Assert.True(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out var mac));
        Assert.Equal(StackHarness.PeerMac, mac);
        Assert.Equal(1, h.Counters.ArpRequestsAnswered);
    }

    /// <summary>
    /// An address probe (RFC 5227 2.1.1: sender IP 0.0.0.0, target the address a host wants to take, as DHCP clients
    /// and arping -D send) for the stack's address is answered, to the prober's MAC, so the prober sees the address
    /// in use (as Linux answers it); being about no sender address, it teaches the cache nothing.
    /// </summary>
    [Fact]
    public void AnswersAnAddressProbeForItsAddressWithoutLearningFromIt()
    {
        using var h = new StackHarness();
        h.Deliver(TestFrames.Ethernet(MacAddress.Broadcast, StackHarness.PeerMac, TestFrames.Arp,
            TestFrames.ArpPacket(1, StackHarness.PeerMac, Ipv4Address.Any, MacAddress.Zero, StackHarness.StackIp)));
        AssertArpReplyToPeer(Assert.Single(h.Tx.Drain()), Ipv4Address.Any);                // target: the prober, no address yet
        Assert.False(h.Stack.TryGetArpEntry(Ipv4Address.Any, out _));
        Assert.Equal(1, h.Counters.ArpRequestsAnswered);

        // A probe for another address, and a probe's answer (a reply from 0.0.0.0), get nothing.
        h.Deliver(TestFrames.Ethernet(MacAddress.Broadcast, StackHarness.PeerMac, TestFrames.Arp,
            TestFrames.ArpPacket(1, StackHarness.PeerMac, Ipv4Address.Any, MacAddress.Zero, new Ipv4Address(169, 254, 1, 9))));
        h.Deliver(TestFrames.Ethernet(StackHarness.StackMac, StackHarness.PeerMac, TestFrames.Arp,
            TestFrames.ArpPacket(2, StackHarness.PeerMac, Ipv4Address.Any, StackHarness.StackMac, StackHarness.StackIp)));
        Assert.Empty(h.Tx.Drain());
        Assert.Equal(1, h.Counters.ArpRequestsAnswered);
    }

    [Fact]
    public void IgnoresArpForOtherAddressesAndDoesNotLearnFromThem()
    {
        using var h = new StackHarness();
        h.Deliver(TestFrames.Ethernet(MacAddress.Broadcast, StackHarness.PeerMac, TestFrames.Arp,
            TestFrames.ArpPacket(1, StackHarness.PeerMac, StackHarness.PeerIp, MacAddress.Zero, new Ipv4Address(169, 254, 1, 9))));
        Assert.Empty(h.Tx.Drain());
        Assert.False(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _));
    }

    [Fact]
    public void AsksByArpBeforeSendingToAnUnknownAddressAndSendsOnceAnswered()
    {
        using var h = new StackHarness();
        Assert.False(h.Stack.SendUdp(StackHarness.PeerIp, 9, 9, [1, 2, 3]));
        var request = Assert.Single(h.Tx.Drain());
        Assert.Equal(MacAddress.Broadcast, request.Destination);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(request.L3[6..]));
        Assert.Equal(StackHarness.PeerIp, Ipv4Address.Read(request.L3[24..]));
        // A second miss within the interval sends no second request.
        Assert.False(h.Stack.SendUdp(StackHarness.PeerIp, 9, 9, [1, 2, 3]));
        Assert.Empty(h.Tx.Drain());
        h.Deliver(TestFrames.Ethernet(StackHarness.StackMac, StackHarness.PeerMac, TestFrames.Arp,
            TestFrames.ArpPacket(2, StackHarness.PeerMac, StackHarness.PeerIp, StackHarness.StackMac, StackHarness.StackIp)));
        Assert.True(h.Stack.SendUdp(StackHarness.PeerIp, 9, 9, [1, 2, 3]));
        var sent = Assert.Single(h.Tx.Drain());
        Assert.Equal(StackHarness.PeerMac, sent.Destination);
        Assert.Equal(2, h.Counters.ArpMisses);
        Assert.Equal(1, h.Counters.ArpRequestsSent);
    }

    /// <summary>
    /// A full cache of peers that answered keeps them while requests for new addresses go unanswered (the spoofed
    /// sources of a SYN flood): those requests take no answered peer's entry, and each address is still asked once.
    /// </summary>
    [Fact]
    public void UnansweredArpRequestsDoNotPushAnsweredPeersOutOfAFullCache()
    {
        using var h = new StackHarness(o => o with { ArpCacheEntries = 2 });
        h.Tcp.Listen(80);
        var second = new Ipv4Address(169, 254, 1, 3);
        h.Introduce();
        h.Introduce(second);
        for (int i = 1; i <= 5; i++)
        {
            var spoofed = new TcpTestPeer(h, (ushort)(40000 + i), address: new Ipv4Address(10, 0, 0, (byte)i));
            h.Deliver(spoofed.Syn());
            h.Deliver(spoofed.Syn()); // its retransmission: no second request within the interval
        }
        h.Flush();
        Assert.True(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _), "an answered peer was pushed out by an unanswered request");
        Assert.True(h.Stack.TryGetArpEntry(second, out _), "an answered peer was pushed out by an unanswered request");
        Assert.Equal(5, h.Counters.ArpRequestsSent);
    }

    [Fact]
    public void AnswersPingWithTheSameIdentifierSequenceAndData()
    {
        using var h = new StackHarness();
        h.Introduce();
        byte[] data = Enumerable.Range(0, 56).Select(i => (byte)i).ToArray();
        h.Deliver(h.IpFrame(1, TestFrames.Icmp(8, 0x1234, 7, data)));
        var reply = Assert.Single(h.Tx.Drain());
        Assert.True(reply.IpChecksumOk);
        Assert.Equal(1, reply.IpProtocol);
        Assert.Equal(StackHarness.PeerIp, reply.IpDestination);
        var icmp = reply.L4;
        Assert.Equal(0, icmp[0]);                                        // echo reply
        Assert.Equal(0, TestFrames.InternetChecksum(icmp));
        Assert.Equal(0x1234, BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]));
        Assert.Equal(7, BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]));
        Assert.Equal(data, icmp[8..].ToArray());
    }

    [Fact]
    public void EchoesUdpWithAValidChecksumAndSwappedPorts()
    {
        using var h = EchoingOnPort7(out var echo);
        byte[] data = "hello, multikernel"u8.ToArray();
        h.Deliver(h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 7, data)));
        var reply = Assert.Single(h.Tx.Drain());
        Assert.True(reply.IpChecksumOk);
        Assert.True(reply.L4ChecksumOk);
        Assert.Equal(7, BinaryPrimitives.ReadUInt16BigEndian(reply.L4));
        Assert.Equal(40000, BinaryPrimitives.ReadUInt16BigEndian(reply.L4[2..]));
        Assert.Equal(data, reply.L4[8..].ToArray());
        Assert.Equal(60, reply.Bytes.Length); // padded to the Ethernet minimum
        // No checksum (0) is allowed for UDP over IPv4; the datagram is still delivered.
        h.Deliver(h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 7, data, checksum: false)));
        Assert.Equal(2, echo.Count);
        // Nothing bound: counted, not answered.
        h.Deliver(h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 8, data)));
        Assert.Equal(1, h.Counters.UdpNoPort);
    }

    [Theory]
    [InlineData(0)]    // RFC 768: no reply expected
    [InlineData(7)]    // another host's echo service: answering it starts a loop
    [InlineData(19)]   // chargen
    [InlineData(1023)]
    public void TheEchoServiceDoesNotAnswerASourcePortBelow1024(int sourcePort)
    {
        using var h = new StackHarness();
        var echo = new Multikernel.Net.Cores.UdpEchoService(7, 1472);
        h.Stack.BindUdp(7, echo);
        h.Introduce();
        h.Deliver(h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, (ushort)sourcePort, 7, [1, 2, 3])));
        Assert.Empty(h.Tx.Drain());
        Assert.Equal((1L, 0L, 0L), (echo.NotAnswered, echo.Echoed, echo.Received));
        h.Deliver(h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 1024, 7, [1, 2, 3])));
        Assert.Equal(1024, BinaryPrimitives.ReadUInt16BigEndian(Assert.Single(h.Tx.Drain()).L4[2..]));
        Assert.Equal((1L, 1L, 1L), (echo.NotAnswered, echo.Echoed, echo.Received));
    }

    /// <summary>A payload of exactly the echo service's maximum is echoed; one byte more is dropped and counted.</summary>
    [Fact]
    public void TheEchoServiceEchoesAPayloadOfExactlyItsMaximum()
    {
        using var h = new StackHarness();
        var echo = new Multikernel.Net.Cores.UdpEchoService(7, 10);
        h.Stack.BindUdp(7, echo);
        h.Introduce();
        h.Deliver(h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 7, new byte[10])));
        Assert.Equal(18, BinaryPrimitives.ReadUInt16BigEndian(Assert.Single(h.Tx.Drain()).L4[4..]));
        h.Deliver(h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 7, new byte[11])));
        Assert.Empty(h.Tx.Drain());
        Assert.Equal((1L, 1L), (echo.Echoed, echo.Oversized));
    }

    /// <summary>
    /// A UDP checksum that computes to 0 is sent as 0xFFFF (RFC 768): 0 in the field means "no checksum". The request
    /// is made so that its own checksum computes to 0; the echo (addresses and ports swapped) sums the same.
    /// </summary>
    [Fact]
    public void AUdpChecksumThatComputesToZeroIsSentAsAllOnes()
    {
        using var h = EchoingOnPort7(out _);
        byte[] data = [1, 2, 3, 4, 0, 0];
        byte[] udp = TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 7, data, checksum: false);
        // The last word makes the ones'-complement sum 0xFFFF, so the checksum computes to 0.
        ushort rest = (ushort)~TestFrames.InternetChecksum(udp, TestFrames.Pseudo(StackHarness.PeerIp, StackHarness.StackIp, 17, udp.Length));
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(12), (ushort)~rest);
        Assert.Equal(0, TestFrames.InternetChecksum(udp, TestFrames.Pseudo(StackHarness.PeerIp, StackHarness.StackIp, 17, udp.Length)));
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(6), 0xFFFF);
        h.Deliver(h.IpFrame(17, udp));
        var reply = Assert.Single(h.Tx.Drain());
        Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16BigEndian(reply.L4[6..]));
        Assert.True(reply.L4ChecksumOk);
    }

    /// <summary>Every IPv4 packet the stack sends has Don't Fragment set (it never fragments), no fragment offset, and TTL 64.</summary>
    [Fact]
    public void SentPacketsCarryDontFragmentAndTtl64()
    {
        using var h = EchoingOnPort7(out _);
        h.Deliver(h.IpFrame(1, TestFrames.Icmp(8, 1, 1, [9, 9])));
        h.Deliver(h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 7, [1, 2, 3])));
        var sent = h.Tx.Drain();
        Assert.Equal(2, sent.Count);
        Assert.All(sent, f =>
        {
            Assert.Equal(0x4000, BinaryPrimitives.ReadUInt16BigEndian(f.L3[6..]));
            Assert.Equal(64, f.L3[8]);
        });
    }

    /// <summary>RFC 826's merge: an ARP packet from a known address with another MAC (a replaced NIC, a gratuitous ARP,
    /// whoever its target is) replaces the entry, and what is sent next goes to the new MAC.</summary>
    [Fact]
    public void AnArpEntryFollowsAPeersNewMac()
    {
        using var h = EchoingOnPort7(out _);
        var newMac = MacAddress.Parse("02:00:00:00:00:99");
        h.Deliver(TestFrames.Ethernet(MacAddress.Broadcast, newMac, TestFrames.Arp,
            TestFrames.ArpPacket(1, newMac, StackHarness.PeerIp, MacAddress.Zero, StackHarness.PeerIp)));   // gratuitous
        Assert.Empty(h.Tx.Drain());
        Assert.True(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out var mac));
        Assert.Equal(newMac, mac);
        h.Deliver(h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 7, [1, 2, 3])));
        Assert.Equal(newMac, Assert.Single(h.Tx.Drain()).Destination);
    }

    /// <summary>A full ARP cache makes room by replacing the entry learnt or refreshed longest ago; the others stay.</summary>
    [Fact]
    public void AFullArpCacheReplacesTheEntryRefreshedLongestAgo()
    {
        using var h = new StackHarness(o => o with { ArpCacheEntries = 4 });
        var peers = Enumerable.Range(0, 5).Select(i => new Ipv4Address(169, 254, 1, (byte)(10 + i))).ToArray();
        for (int i = 0; i < 4; i++) { h.Introduce(peers[i]); h.Advance(1000); }
        h.Introduce(peers[0]);                                 // refreshed: peers[1] is now the oldest
        h.Advance(1000);
        h.Introduce(peers[4]);
        Assert.False(h.Stack.TryGetArpEntry(peers[1], out _));
        foreach (int i in new[] { 0, 2, 3, 4 }) Assert.True(h.Stack.TryGetArpEntry(peers[i], out _), $"peer {i} was pushed out");
    }

    [Fact]
    public void AnEchoServiceWithANegativeMaximumPayloadIsRefusedNamingTheParameter()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Multikernel.Net.Cores.UdpEchoService(7, -1));
        Assert.Equal("maxPayload", e.ParamName);
        Assert.Equal(0, new Multikernel.Net.Cores.UdpEchoService(7, 0).MaxPayload);
    }

    [Fact]
    public void FramesWithPartialChecksumFromTheRingAreNotRejected()
    {
        // The far side's kernel leaves TCP/UDP checksums to the "NIC" on veth; the ring marks such frames.
        using var h = EchoingOnPort7(out var echo);
        byte[] udp = TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 7, [1, 2, 3]);
        udp[6] ^= 0x55; // what a partial (pseudo-header only) checksum looks like to a verifier: wrong
        h.Stack.ReceiveFrame(h.IpFrame(17, udp), RxFrameFlags.ChecksumPartial);
        Assert.Equal(1, echo.Count);
        h.Stack.ReceiveFrame(h.IpFrame(17, udp));
        Assert.Equal(1, echo.Count);
        Assert.Equal(1, h.Counters.UdpChecksumErrors);
    }

    [Fact]
    public void MalformedFramesAreCountedAndDroppedWithoutAnAnswer()
    {
        using var h = EchoingOnPort7(out var echo);
        byte[] good = h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 7, [9, 9, 9, 9]));
        var bad = new List<byte[]>();
        // Truncated at every length below the full frame (Ethernet, IP and UDP headers cut short).
        for (int n = 0; n < good.Length; n++) bad.Add(good[..n]);
        // IP header checksum wrong.
        var b = (byte[])good.Clone(); b[14 + 10] ^= 1; bad.Add(b);
        // UDP checksum wrong.
        b = (byte[])good.Clone(); b[14 + 20 + 6] ^= 1; bad.Add(b);
        // IP total length larger than the frame, and smaller than the header.
        b = (byte[])good.Clone(); BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(16), 200); Refix(b); bad.Add(b);
        b = (byte[])good.Clone(); BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(16), 10); Refix(b); bad.Add(b);
        // UDP length larger than the IP payload, and smaller than its header.
        b = (byte[])good.Clone(); BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(14 + 20 + 4), 100); bad.Add(b);
        b = (byte[])good.Clone(); BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(14 + 20 + 4), 4); bad.Add(b);
        // IHL below 5, version 6.
        b = (byte[])good.Clone(); b[14] = 0x44; Refix(b); bad.Add(b);
        b = (byte[])good.Clone(); b[14] = 0x65; Refix(b); bad.Add(b);
        // A fragment (more-fragments bit) and a later fragment (offset): never reassembled.
        bad.Add(TestFrames.Ethernet(StackHarness.StackMac, StackHarness.PeerMac, TestFrames.Ipv4,
            TestFrames.Ip(StackHarness.PeerIp, StackHarness.StackIp, 17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 1, 7, [1]), flagsFragment: 0x2000)));
        bad.Add(TestFrames.Ethernet(StackHarness.StackMac, StackHarness.PeerMac, TestFrames.Ipv4,
            TestFrames.Ip(StackHarness.PeerIp, StackHarness.StackIp, 17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 1, 7, [1]), flagsFragment: 0x0010)));
        // Longer than the MTU allows.
        bad.Add(TestFrames.Ethernet(StackHarness.StackMac, StackHarness.PeerMac, TestFrames.Ipv4,
            TestFrames.Ip(StackHarness.PeerIp, StackHarness.StackIp, 17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 1, 7, new byte[1600]))));
        // ARP with a wrong hardware length.
        var arp = TestFrames.ArpPacket(1, StackHarness.PeerMac, StackHarness.PeerIp, MacAddress.Zero, StackHarness.StackIp);
        arp[4] = 8;
        bad.Add(TestFrames.Ethernet(MacAddress.Broadcast, StackHarness.PeerMac, TestFrames.Arp, arp));
        // ICMP echo with a wrong checksum.
        var icmp = TestFrames.Icmp(8, 1, 1, [1, 2, 3]);
        icmp[2] ^= 0xFF;
        bad.Add(h.IpFrame(1, icmp));

        foreach (var f in bad) h.Deliver(f);
        Assert.Empty(h.Tx.Drain());
        Assert.Equal(0, echo.Count);
        var c = h.Counters;
        Assert.Equal(bad.Count, c.Malformed + c.IpChecksumErrors + c.UdpChecksumErrors + c.IpFragmentsDropped + c.IcmpChecksumErrors);
        Assert.Equal(2, c.IpFragmentsDropped);
        Assert.Equal(1, c.UdpChecksumErrors);
        Assert.Equal(1, c.IcmpChecksumErrors);

        // And the stack still answers a good one.
        h.Deliver(good);
        Assert.Single(h.Tx.Drain());
        Assert.Equal(1, echo.Count);
    }

    /// <summary>
    /// Every frame the stack drops is counted under its reason (NetStackCounters' promise): well-formed frames it has
    /// no use for (ICMP other than echo requests, ARP from a group address or about no address) each move a counter
    /// besides FramesIn, and get no answer.
    /// </summary>
    [Fact]
    public void FramesDroppedForWantOfUseAreCountedToo()
    {
        using var h = EchoingOnPort7(out _);
        var arpFromGroup = TestFrames.ArpPacket(1, MacAddress.Parse("03:00:00:00:00:02"), StackHarness.PeerIp, MacAddress.Zero, StackHarness.StackIp);
        var probeForAnother = TestFrames.ArpPacket(1, StackHarness.PeerMac, Ipv4Address.Any, MacAddress.Zero, new Ipv4Address(169, 254, 1, 9));
        var replyFromNoAddress = TestFrames.ArpPacket(2, StackHarness.PeerMac, Ipv4Address.Any, StackHarness.StackMac, StackHarness.StackIp);
        var unreachable = TestFrames.Icmp(3, 0, 0, new byte[28]); // destination unreachable (id and sequence are unused: zero)
        var frames = new (string What, byte[] Frame)[]
        {
            ("ICMP echo reply", h.IpFrame(1, TestFrames.Icmp(0, 1, 1, [1, 2, 3]))),
            ("ICMP destination unreachable", h.IpFrame(1, unreachable)),
            ("ARP from a group MAC", TestFrames.Ethernet(MacAddress.Broadcast, StackHarness.PeerMac, TestFrames.Arp, arpFromGroup)),
            ("ARP probe for another address", TestFrames.Ethernet(MacAddress.Broadcast, StackHarness.PeerMac, TestFrames.Arp, probeForAnother)),
            ("ARP reply from 0.0.0.0", TestFrames.Ethernet(StackHarness.StackMac, StackHarness.PeerMac, TestFrames.Arp, replyFromNoAddress)),
        };
        var counters = typeof(NetStackCounters).GetProperties().Where(p => p.Name != nameof(NetStackCounters.FramesIn)).ToArray();
        long[] Snapshot() => counters.Select(p => (long)p.GetValue(h.Counters)!).ToArray();
        foreach (var (what, frame) in frames)
        {
            long[] before = Snapshot();
            h.Deliver(frame);
            Assert.True(!before.SequenceEqual(Snapshot()), $"{what}: dropped without a count");
        }
        Assert.Empty(h.Tx.Drain());
    }

    static void Refix(byte[] frame)
    {
        int hl = Math.Max(20, (frame[14] & 0xF) * 4);
        frame[24] = frame[25] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(24), TestFrames.InternetChecksum(frame.AsSpan(14, Math.Min(hl, frame.Length - 14))));
    }

    [Fact]
    public void IpOptionsAreSkippedAndThePacketServed()
    {
        using var h = EchoingOnPort7(out var echo);
        byte[] options = [0x94, 0x04, 0x00, 0x00]; // Router Alert
        h.Deliver(TestFrames.Ethernet(StackHarness.StackMac, StackHarness.PeerMac, TestFrames.Ipv4,
            TestFrames.Ip(StackHarness.PeerIp, StackHarness.StackIp, 17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 5, 7, [4, 2]), options)));
        var reply = Assert.Single(h.Tx.Drain());
        Assert.Equal(new byte[] { 4, 2 }, reply.L4[8..].ToArray());
        Assert.Equal(1, h.Counters.IpOptionsSkipped);
    }

    [Fact]
    public void FramesForOtherMacOrIpAddressesAreIgnored()
    {
        using var h = EchoingOnPort7(out var echo);
        byte[] udp = TestFrames.Udp(StackHarness.PeerIp, new Ipv4Address(169, 254, 1, 3), 5, 7, [1]);
        h.Deliver(TestFrames.Ethernet(StackHarness.StackMac, StackHarness.PeerMac, TestFrames.Ipv4, TestFrames.Ip(StackHarness.PeerIp, new Ipv4Address(169, 254, 1, 3), 17, udp)));
        h.Deliver(TestFrames.Ethernet(MacAddress.Parse("02:00:00:00:00:09"), StackHarness.PeerMac, TestFrames.Ipv4,
            TestFrames.Ip(StackHarness.PeerIp, StackHarness.StackIp, 17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 5, 7, [1]))));
        h.Deliver(TestFrames.Ethernet(StackHarness.StackMac, StackHarness.PeerMac, 0x86DD, new byte[40])); // IPv6
        Assert.Empty(h.Tx.Drain());
        Assert.Equal(3, h.Counters.NotForUs);
        Assert.Equal(0, echo.Count);
    }

    /// <summary>
    /// A packet from a source no host on a wire can have (RFC 1122 3.2.1.3: 0.0.0.0, the limited broadcast, a multicast
    /// group, the loopback net 127/8), or from our own address, is dropped silently, counted as malformed: never
    /// answered, never a reason to ARP.
    /// </summary>
    [Fact]
    public void PacketsFromAddressesNoHostCanHaveAreDropped()
    {
        using var h = EchoingOnPort7(out var echo);
        Ipv4Address[] sources = [Ipv4Address.Any, Ipv4Address.Broadcast, new(224, 0, 0, 1), new(127, 0, 0, 1), new(127, 1, 2, 3), StackHarness.StackIp];
        foreach (var source in sources)
            h.Deliver(h.IpFrame(17, TestFrames.Udp(source, StackHarness.StackIp, 5, 7, [1]), source));
        Assert.Empty(h.Tx.Drain());
        Assert.Equal(0, echo.Count);
        Assert.Equal(sources.Length, h.Counters.Malformed);
    }

    /// <summary>An ARP packet from another MAC that gives our own address as its sender's is not learned: the cache never
    /// maps our address to another host, and no reply goes out.</summary>
    [Theory]
    [InlineData(1)] // request
    [InlineData(2)] // reply
    public void AnArpClaimingOurAddressIsNotLearned(ushort op)
    {
        using var h = new StackHarness();
        h.Deliver(TestFrames.Ethernet(MacAddress.Broadcast, StackHarness.PeerMac, TestFrames.Arp,
            TestFrames.ArpPacket(op, StackHarness.PeerMac, StackHarness.StackIp, MacAddress.Zero, StackHarness.StackIp)));
        Assert.False(h.Stack.TryGetArpEntry(StackHarness.StackIp, out _));
        Assert.Empty(h.Tx.Drain());
        Assert.Equal(1, h.Counters.Malformed);
    }

    [Fact]
    public void SendUdpRefusesADatagramLargerThanTheMtu()
    {
        using var h = new StackHarness();
        h.Introduce();
        var e = Assert.Throws<ArgumentException>(() => h.Stack.SendUdp(StackHarness.PeerIp, 1, 2, new byte[1473]));
        Assert.Contains("does not fragment", e.Message);
        Assert.True(h.Stack.SendUdp(StackHarness.PeerIp, 1, 2, new byte[1472]));
    }

    [Fact]
    public void OptionsAreValidatedWithTheRuleInTheMessage()
    {
        var tx = new CaptureTransmitter(1);
        var bad = new NetStackOptions { Mac = StackHarness.StackMac, Address = StackHarness.StackIp, ReceiveBufferBytes = 70000 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NetStack(bad, tx));
        Assert.Contains("65535", e.Message);
        Assert.Throws<ArgumentException>(() => new NetStack(bad with { ReceiveBufferBytes = 8192, Address = Ipv4Address.Broadcast }, tx));
        // Each option within its own range, but together a buffer slab of about 16 TiB: a clear refusal, not an
        // OutOfMemoryException from the allocation.
        var huge = bad with { ReceiveBufferBytes = 65535, SendBufferBytes = 1 << 24, MaxConnections = 1 << 20 };
        var big = Assert.Throws<ArgumentOutOfRangeException>(() => new NetStack(huge, tx));
        Assert.Contains("64 GiB", big.Message);
    }

    [Fact]
    public void UdpEchoAllocatesNothingPerPacketInSteadyState()
    {
        using var h = EchoingOnPort7(out var echo, txSlots: 64);
        byte[] frame = h.IpFrame(17, TestFrames.Udp(StackHarness.PeerIp, StackHarness.StackIp, 40000, 7, new byte[64]));
        for (int i = 0; i < 1000; i++) { h.Stack.ReceiveFrame(frame); h.Tx.Discard(); } // warm up (tiered JIT)
        var probe = new Multikernel.Drivers.AllocationProbe(1000, 11_000);
        for (int i = 0; i <= 11_000; i++)
        {
            h.Stack.ReceiveFrame(frame);
            h.Tx.Discard();
            probe.Observe(i);
        }
        Assert.Equal(0, probe.Bytes);
        Assert.Equal(12_001, echo.Count);
    }
}

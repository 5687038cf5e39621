using static Multikernel.Tests.Net.TestFrames;

namespace Multikernel.Tests.Net;

/// <summary>The TCP state machine of the user-level stack against a scripted peer, with a test-controlled clock.</summary>
public class TcpTests : IDisposable
{
    /// <summary>The stacks <see cref="Listening"/> made for the running test, disposed when it ends.</summary>
    readonly List<StackHarness> _stacks = [];

    /// <summary>A stack listening on port 80 that knows the peer's address, and a scripted peer on <paramref name="port"/> that has sent nothing yet; disposed when the test ends.</summary>
    (StackHarness H, TcpTestPeer P) Listening(Func<NetStackOptions, NetStackOptions>? configure = null, ushort port = 5000)
    {
        var h = new StackHarness(configure);
        _stacks.Add(h);
        h.Tcp.Listen(80);
        h.Introduce();
        return (h, new TcpTestPeer(h, port));
    }

    /// <summary>A <see cref="Listening"/> stack that has accepted the peer's connection.</summary>
    (StackHarness H, TcpTestPeer P, TcpSocket S) Connected(Func<NetStackOptions, NetStackOptions>? configure = null, ushort port = 5000)
    {
        var (h, p) = Listening(configure, port);
        p.Handshake();
        Assert.True(h.Tcp.TryAccept(80, out var s));
        return (h, p, s);
    }

    /// <summary>
    /// Our side closes first (<paramref name="shutdownOnly"/>: only its sending side, so the application keeps the handle),
    /// the peer acknowledges our FIN and sends its own, which we acknowledge: TIME_WAIT.
    /// </summary>
    static void IntoTimeWait(StackHarness h, TcpTestPeer p, TcpSocket s, bool shutdownOnly = false)
    {
        if (shutdownOnly) h.Tcp.ShutdownSend(s); else h.Tcp.Close(s);
        p.Absorb(h.Flush());
        p.AckAll();
        p.SendFin();
        p.Absorb(h.Flush());
    }

    /// <summary>The owner hears that <paramref name="s"/> has an event (its connection has ended) and closes it: its slot is free.</summary>
    static void OwnerHearsOfItAndClosesIt(StackHarness h, TcpSocket s)
    {
        Assert.True(h.Tcp.TryGetReady(out var ready));
        Assert.Equal(s, ready);
        h.Tcp.Close(s);
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
    }

    public void Dispose()
    {
        foreach (var h in _stacks) h.Dispose();
    }

    [Fact]
    public void HandshakeAnnouncesMssAndTheReceiveBufferAsWindow()
    {
        var (h, p) = Listening(o => o with { ReceiveBufferBytes = 8192 });
        Assert.False(h.Tcp.TryAccept(80, out _));
        var synAck = p.Handshake();
        Assert.Equal(1460, synAck.MssOption);
        Assert.Equal(8192, synAck.Window);
        Assert.True(synAck.IpChecksumOk && synAck.L4ChecksumOk);
        Assert.True(h.Tcp.TryAccept(80, out var s));
        Assert.Equal(TcpState.Established, h.Tcp.State(s));
        Assert.Equal((StackHarness.PeerIp, (ushort)5000), h.Tcp.RemoteEndPoint(s));
        Assert.Equal(1, h.Tcp.ConnectionsInUse);
    }

    [Fact]
    public void RequestAndResponseShareOneSegmentWithTheAck()
    {
        var (h, p, s) = Connected();
        p.Send("GET / HTTP/1.1\r\n\r\n"u8);
        Assert.True(h.Tcp.TryGetReady(out var ready));
        Assert.Equal(s, ready);
        var buf = new byte[100];
        int n = h.Tcp.Receive(s, buf);
        Assert.Equal("GET / HTTP/1.1\r\n\r\n", System.Text.Encoding.ASCII.GetString(buf, 0, n));
        Assert.Equal(18, h.Tcp.Send(s, "HTTP/1.1 200 OK\r\n\r\n"u8[..18]));
        var frames = p.Absorb(h.Flush());
        var seg = Assert.Single(frames);                  // the response carries the ACK: no separate pure ACK
        Assert.Equal(p.SndNxt, seg.AckNumber);
        Assert.Equal(18, seg.TcpPayload.Length);
        Assert.True(seg.Has(Psh));
    }

    [Fact]
    public void DataWithoutAResponseIsAcknowledgedAtTheNextFlush()
    {
        var (h, p, _) = Connected();
        p.Send(new byte[100]);
        var ack = Assert.Single(p.Absorb(h.Flush()));
        Assert.Equal(p.SndNxt, ack.AckNumber);
        Assert.Equal(8192 - 100, ack.Window);
        Assert.Empty(ack.TcpPayload.ToArray());
    }

    [Fact]
    public void ADelayedAckWaitsForTheResponseAndOtherwiseGoesAtItsDeadline()
    {
        var (h, p, s) = Connected(o => o with { DelayedAckMicroseconds = 500 });
        // A request answered before the deadline: the response carries the ACK; no pure ACK goes out before it.
        p.Send("GET / HTTP/1.1\r\n\r\n"u8);
        Assert.Empty(p.Absorb(h.Flush()));
        h.Advance(100);
        Assert.Empty(p.Absorb(h.Flush()));
        var buf = new byte[100];
        Assert.Equal(18, h.Tcp.Receive(s, buf));
        Assert.Equal(4, h.Tcp.Send(s, "done"u8));
        var response = Assert.Single(p.Absorb(h.Flush()));
        Assert.Equal(p.SndNxt, response.AckNumber);
        Assert.Equal(4, response.TcpPayload.Length);
        h.Advance(1_000);
        Assert.Empty(p.Absorb(h.Flush()));               // the ACK went with the response: nothing left to send
        // Data nobody answers: the pure ACK goes once the deadline has passed, not before.
        p.Send(new byte[100]);
        h.Advance(499);
        Assert.Empty(p.Absorb(h.Flush()));
        h.Advance(1);
        var ack = Assert.Single(p.Absorb(h.Flush()));
        Assert.Equal(p.SndNxt, ack.AckNumber);
        Assert.Empty(ack.TcpPayload.ToArray());
    }

    [Fact]
    public void WithDelayedAcksEverySecondSegmentAndOutOfOrderDataAreAcknowledgedAtOnce()
    {
        var (h, p, _) = Connected(o => o with { DelayedAckMicroseconds = 500 });
        p.Send(new byte[100]);
        Assert.Empty(p.Absorb(h.Flush()));
        p.Send(new byte[100]);                                 // the second segment: ACK now (RFC 5681 4.2)
        var ack = Assert.Single(p.Absorb(h.Flush()));
        Assert.Equal(p.SndNxt, ack.AckNumber);
        uint expected = p.SndNxt;
        h.Deliver(p.Segment(p.SndNxt + 50, p.RcvNxt, Ack | Psh, new byte[10])); // a hole before it: duplicate ACK at once
        var dup = Assert.Single(p.Absorb(h.Flush()));
        Assert.Equal(expected, dup.AckNumber);
        h.Advance(1_000);
        Assert.Empty(p.Absorb(h.Flush()));                    // nothing was left delayed
    }

    [Fact]
    public void ADelayedAckLongerThanRfc1122AllowsIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new StackHarness(o => o with { DelayedAckMicroseconds = 500_001 }));

    [Fact]
    public void SegmentsForNoConnectionAreAnsweredWithReset()
    {
        using var h = new StackHarness();
        h.Tcp.Listen(80);
        h.Introduce();
        var closedPort = new TcpTestPeer(h, 5000, serverPort: 81);
        h.Deliver(closedPort.Syn());
        var rst = Assert.Single(h.Tx.Drain());
        Assert.True(rst.Has(Rst) && rst.Has(Ack));
        Assert.Equal(closedPort.Iss + 1, rst.AckNumber);
        // A stray ACK: RST with the ACK's number as sequence, no ACK bit.
        var stray = new TcpTestPeer(h, 5001);
        h.Deliver(stray.Segment(7, 123456, Ack));
        rst = Assert.Single(h.Tx.Drain());
        Assert.True(rst.Has(Rst) && !rst.Has(Ack));
        Assert.Equal(123456u, rst.Seq);
        // A RST for no connection is never answered.
        h.Deliver(stray.Segment(7, 0, Rst));
        Assert.Empty(h.Tx.Drain());
        // A segment with neither SYN nor ACK (a FIN with 3 data bytes): RST+ACK, sequence 0, acknowledging the segment
        // with its FIN (RFC 793 3.4 / 9293 3.10.7.1: CLOSED answers every segment but a reset).
        h.Deliver(stray.Segment(1000, 0, Fin, [1, 2, 3]));
        rst = Assert.Single(h.Tx.Drain());
        Assert.True(rst.Has(Rst) && rst.Has(Ack));
        Assert.Equal(0u, rst.Seq);
        Assert.Equal(1000u + 3 + 1, rst.AckNumber);
    }

    /// <summary>
    /// In SYN_RECEIVED an ACK that does not acknowledge the SYN-ACK exactly is answered with a reset carrying that ACK's
    /// number as sequence (RFC 9293 3.10.7.4) and completes nothing; the half-open connection stays, and the right
    /// ACK then completes the handshake.
    /// </summary>
    [Fact]
    public void InSynReceivedAWrongAckEarnsAResetAndTheRightOneStillCompletesTheHandshake()
    {
        using var h = new StackHarness();
        h.Tcp.Listen(80);
        h.Introduce();
        var p = new TcpTestPeer(h, 5000);
        h.Deliver(p.Syn());
        var synAck = Assert.Single(h.Flush(), f => f.Has(Syn));
        foreach (uint wrong in new[] { synAck.Seq, synAck.Seq + 2 })
        {
            h.Deliver(p.Segment(p.SndNxt, wrong, Ack));
            var rst = Assert.Single(h.Tx.Drain());
            Assert.True(rst.Has(Rst) && !rst.Has(Ack), "a wrong ACK in SYN_RECEIVED was not answered with a bare reset");
            Assert.Equal(wrong, rst.Seq);
            Assert.False(h.Tcp.TryAccept(80, out _), "a wrong ACK completed the handshake");
        }
        h.Deliver(p.Segment(p.SndNxt, synAck.Seq + 1, Ack));
        Assert.True(h.Tcp.TryAccept(80, out var s));
        Assert.Equal(TcpState.Established, h.Tcp.State(s));
    }

    [Fact]
    public void AFullTableRefusesWithResetAndAcceptsAgainAfterAClose()
    {
        using var h = new StackHarness(o => o with { MaxConnections = 4 });
        h.Tcp.Listen(80);
        h.Introduce();
        var peers = Enumerable.Range(0, 4).Select(i => new TcpTestPeer(h, (ushort)(6000 + i))).ToList();
        foreach (var p in peers) p.Handshake();
        var extra = new TcpTestPeer(h, 6100);
        h.Deliver(extra.Syn());
        var rst = Assert.Single(extra.Mine(h.Tx.Drain()));
        Assert.True(rst.Has(Rst));
        Assert.Equal(1, h.Counters.TcpRefused);
        // The application closes one and the peer finishes the close: the slot is free again.
        Assert.True(h.Tcp.TryAccept(80, out var s));
        h.Tcp.Close(s);
        var fin = Assert.Single(peers[0].Absorb(h.Flush()));
        Assert.True(fin.Has(Fin));
        peers[0].AckAll();
        peers[0].SendFin();
        h.Flush();
        Assert.Equal(1, h.Tcp.TimeWait);
        Assert.Equal(4, h.Tcp.ConnectionsInUse);
        h.Deliver(extra.Syn()); // a full table recycles TIME_WAIT before refusing
        Assert.Contains(extra.Mine(h.Flush()), f => f.Has(Syn) && f.Has(Ack));
    }

    [Fact]
    public void ConnectionsResetBeforeTheyAreAcceptedDoNotOverflowTheAcceptQueue()
    {
        // The application does not accept for a while; connections come and are reset by their peers before it does,
        // more of them over time than the table has slots. Each live connection is handed out once, and only once.
        using var h = new StackHarness(o => o with { MaxConnections = 2 });
        h.Tcp.Listen(80);
        h.Introduce();
        for (int round = 0; round < 2; round++)
            foreach (var gone in new[] { new TcpTestPeer(h, (ushort)(6000 + 2 * round)), new TcpTestPeer(h, (ushort)(6001 + 2 * round)) })
            {
                gone.Handshake();
                h.Deliver(gone.Segment(gone.SndNxt, 0, Rst));
            }
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
        var live = new[] { new TcpTestPeer(h, 7000), new TcpTestPeer(h, 7001) };
        foreach (var p in live) p.Handshake();
        var accepted = new List<TcpSocket>();
        while (h.Tcp.TryAccept(80, out var s)) accepted.Add(s);
        Assert.Equal(2, accepted.Count);
        Assert.Equal(2, accepted.Distinct().Count());
        Assert.Equal(2, h.Counters.TcpAccepted);
    }

    /// <summary>
    /// A connection whose peer's MAC is no longer known (its ARP entry was pushed out; a request goes out) holds back
    /// only its own segments: the connections queued behind it in the same flush still send theirs.
    /// </summary>
    [Fact]
    public void AnUnresolvedPeerDoesNotHoldBackTheOtherConnectionsOutput()
    {
        var (h, gone) = Listening(o => o with { ArpCacheEntries = 1 });
        gone.Handshake();
        var second = new Ipv4Address(169, 254, 1, 3);
        h.Introduce(second);                                  // the one-entry cache now knows only the second peer
        Assert.False(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _));
        var reachable = new TcpTestPeer(h, 5001, address: second);
        reachable.Handshake();
        Assert.True(h.Tcp.TryAccept(80, out var first));
        Assert.True(h.Tcp.TryAccept(80, out var other));
        h.Tcp.Send(first, "to the unresolved peer"u8);       // queued first
        h.Tcp.Send(other, "to the reachable peer"u8);
        var frames = h.Flush();
        Assert.Empty(gone.Mine(frames));
        Assert.Contains(frames, f => f.EtherType == Arp);    // the stack asks for the unresolved peer
        reachable.Absorb(frames);
        Assert.Equal("to the reachable peer", System.Text.Encoding.ASCII.GetString(reachable.Received.ToArray()));
        // Once the peer answers, its data goes at the next flush.
        h.Deliver(Ethernet(StackHarness.StackMac, StackHarness.PeerMac, Arp,
            ArpPacket(2, StackHarness.PeerMac, StackHarness.PeerIp, StackHarness.StackMac, StackHarness.StackIp)));
        gone.Absorb(h.Flush());
        Assert.Equal("to the unresolved peer", System.Text.Encoding.ASCII.GetString(gone.Received.ToArray()));
    }

    /// <summary>
    /// Malformed TCP segments on an established connection and to the listener (issue 14's robustness list): a header
    /// cut short, a data offset below 5 or beyond the segment, ports 0, SYN with FIN or RST, and bad checksums on data,
    /// a RST and a SYN. Each is counted and dropped without an answer and without effect (no data delivered, no reset,
    /// no half-open connection); a good segment padded to the Ethernet minimum delivers its one byte, not the padding.
    /// </summary>
    [Fact]
    public void MalformedTcpSegmentsAreCountedAndDroppedWithoutEffect()
    {
        var (h, p, s) = Connected();
        byte[] Raw(ushort sourcePort, ushort destinationPort, uint seq, uint ack, byte flags, ReadOnlySpan<byte> data = default) =>
            Tcp(p.Address, StackHarness.StackIp, sourcePort, destinationPort, seq, ack, flags, 65535, data);
        byte[] Resum(byte[] t)
        {
            t[16] = t[17] = 0;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(16), InternetChecksum(t, Pseudo(p.Address, StackHarness.StackIp, 6, t.Length)));
            return t;
        }
        var malformed = new List<byte[]>();
        malformed.Add(Raw(p.Port, 80, p.SndNxt, p.RcvNxt, Ack)[..19]);                            // header cut short
        var t = Raw(p.Port, 80, p.SndNxt, p.RcvNxt, Ack | Psh, [1, 2, 3, 4]); t[12] = 0x40; malformed.Add(Resum(t)); // data offset 4
        t = Raw(p.Port, 80, p.SndNxt, p.RcvNxt, Ack | Psh, [1, 2, 3, 4]); t[12] = 0xF0; malformed.Add(Resum(t));     // 60-byte header in 24 bytes
        malformed.Add(Raw(0, 80, p.SndNxt, p.RcvNxt, Ack | Psh, [1]));                            // source port 0
        malformed.Add(Raw(p.Port, 0, p.SndNxt, p.RcvNxt, Ack | Psh, [1]));                        // destination port 0
        malformed.Add(Raw(5100, 80, 1, 0, Syn | Fin));                                            // SYN+FIN to the listener
        malformed.Add(Raw(5101, 80, 1, 0, Syn | Rst));                                            // SYN+RST to the listener
        var badSum = new List<byte[]>();
        t = Raw(p.Port, 80, p.SndNxt, p.RcvNxt, Ack | Psh, [1, 2, 3]); t[^1] ^= 0x55; badSum.Add(t); // data corrupted
        t = Raw(p.Port, 80, p.SndNxt, 0, Rst); t[16] ^= 1; badSum.Add(t);                         // a reset at RCV.NXT
        t = Raw(5102, 80, 1, 0, Syn); t[17] ^= 1; badSum.Add(t);                                  // a SYN to the listener
        foreach (var segment in malformed.Concat(badSum)) h.Deliver(h.IpFrame(6, segment, p.Address));
        Assert.Empty(h.Tx.Drain());
        Assert.Empty(h.Flush());
        Assert.Equal(malformed.Count, h.Counters.Malformed);
        Assert.Equal(badSum.Count, h.Counters.TcpChecksumErrors);
        Assert.Equal(0, h.Tcp.Available(s));
        Assert.Equal(TcpState.Established, h.Tcp.State(s));
        Assert.Equal(0, h.Tcp.HalfOpen);
        Assert.Equal(1, h.Tcp.ConnectionsInUse);
        // A one-byte segment in a frame padded to the Ethernet minimum: the IP length, not the frame, bounds it.
        byte[] padded = h.IpFrame(6, Raw(p.Port, 80, p.SndNxt, p.RcvNxt, Ack | Psh, [42]), p.Address);
        Assert.True(padded.Length < 60);
        h.Deliver([.. padded, .. new byte[60 - padded.Length]]);
        Assert.Equal(1, h.Tcp.Available(s));
    }

    [Fact]
    public void OutOfOrderSegmentsAreHeldAndDuplicatesAcknowledged()
    {
        var (h, p, s) = Connected();
        byte[] data = Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray();
        uint start = p.SndNxt;
        // Second and third segments first: each earns an immediate duplicate ACK for the first byte.
        h.Deliver(p.Segment(start + 1000, p.RcvNxt, Ack, data.AsSpan(1000, 1000)));
        h.Deliver(p.Segment(start + 2000, p.RcvNxt, Ack, data.AsSpan(2000, 1000)));
        var dupAcks = p.Absorb(h.Tx.Drain());
        Assert.Equal(2, dupAcks.Count);
        Assert.All(dupAcks, a => Assert.Equal(start, a.AckNumber));
        Assert.Equal(0, h.Tcp.Available(s));
        // The hole fills: everything becomes readable at once and the ACK covers all of it.
        h.Deliver(p.Segment(start, p.RcvNxt, Ack, data.AsSpan(0, 1000)));
        Assert.Equal(3000, h.Tcp.Available(s));
        var ack = Assert.Single(p.Absorb(h.Tx.Drain()));
        Assert.Equal(start + 3000, ack.AckNumber);
        // A duplicate of old data changes nothing and is acknowledged again.
        h.Deliver(p.Segment(start + 1000, p.RcvNxt, Ack, data.AsSpan(1000, 1000)));
        Assert.Equal(start + 3000, Assert.Single(p.Absorb(h.Tx.Drain())).AckNumber);
        var got = new byte[4000];
        Assert.Equal(3000, h.Tcp.Receive(s, got));
        Assert.Equal(data, got[..3000]);
        Assert.Equal(2, h.Counters.TcpOutOfOrder);
        Assert.Equal(1, h.Counters.TcpOutOfWindow);
    }

    /// <summary>
    /// A retransmission timeout that finds the transmitter full (every buffer out at the driver) sends at the next
    /// flush that has room, not one doubled timeout later: the frame the timeout could not build is retried as the
    /// counter TxRingFull promises.
    /// </summary>
    [Fact]
    public void ATimeoutsRetransmissionThatFindsTheTransmitterFullGoesAtTheNextFlush()
    {
        var (h, p, s) = Connected();
        h.Tcp.Send(s, "lost on the way"u8);
        var sent = Assert.Single(p.Mine(h.Flush()));          // never reaches the peer
        h.Tx.Limit = 0;                                       // the transmit ring is full when the timer fires
        h.Advance(250_000);                                   // past the 200 ms RTO
        Assert.Equal(0, h.Tx.Pending);
        Assert.Equal(1, h.Counters.TxRingFull);
        h.Tx.Limit = null;                                    // room again
        var retransmission = Assert.Single(p.Mine(h.Flush()));
        Assert.Equal(sent.Seq, retransmission.Seq);
        Assert.Equal(sent.TcpPayload.ToArray(), retransmission.TcpPayload.ToArray());
    }

    [Fact]
    public void UnacknowledgedDataIsRetransmittedWithExponentialBackoffThenReset()
    {
        var (h, p, s) = Connected(o => o with { MaxRetransmissions = 4, InitialRtoMicroseconds = 1_000_000, MinRtoMicroseconds = 200_000 });
        h.Tcp.Send(s, new byte[500]);
        var first = Assert.Single(p.Mine(h.Flush()));
        long sentAt = h.Now;
        var times = new List<long>();
        for (long t = 0; t < 120_000_000 && !p.GotRst; t += 10_000)
        {
            h.Advance(10_000);
            foreach (var f in p.Absorb(h.Flush()).Concat(p.Absorb(h.Tx.Drain())))
            {
                if (f.Has(Rst)) break;
                Assert.Equal(first.Seq, f.Seq);
                Assert.Equal(500, f.TcpPayload.Length);
                times.Add(h.Now - sentAt);
            }
        }
        Assert.True(p.GotRst, "the connection was not reset after the last retransmission");
        Assert.Equal(4, times.Count);
        // The handshake's RTT sample (0 here) set the RTO to its floor, 200 ms; then it doubles: 200, 400, 800, 1600 ms apart.
        var gaps = times.Zip(times.Prepend(0L), (t, prev) => t - prev).ToArray();
        for (int i = 0; i < gaps.Length; i++) Assert.InRange(gaps[i], 200_000L << i, (200_000L << i) + 10_000);
        Assert.True(h.Tcp.WasReset(s));
        Assert.Equal(TcpState.Closed, h.Tcp.State(s));
        Assert.Equal(1, h.Counters.TcpTimeouts);
        h.Tcp.Close(s);
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
    }

    /// <summary>
    /// MaxRetransmissions bounds the retransmissions of data that is never acknowledged also while the peer keeps
    /// talking: its segments that acknowledge nothing new through an open window (here its own data) are no answer to
    /// our data and do not reprieve the connection (only answers to window probes do).
    /// </summary>
    [Fact]
    public void DataNeverAcknowledgedThroughAnOpenWindowIsResetAlsoWhileThePeerTalks()
    {
        var (h, p, s) = Connected(o => o with { MaxRetransmissions = 3, MaxRtoMicroseconds = 1_000_000 });
        h.Tcp.Send(s, new byte[500]);
        var sent = p.Mine(h.Flush()).ToList();                // lost on its way, every time
        for (int i = 0; i < 12 && !sent.Any(f => f.Has(Rst)); i++)
        {
            h.Advance(1_000_000);                             // a timeout each time (RTO at its 1 s ceiling at most)
            sent.AddRange(p.Mine(h.Tx.Drain()));
            p.Send("x"u8);                                    // the peer's own data, acknowledging none of ours
            sent.AddRange(p.Mine(h.Flush()));
        }
        Assert.Contains(sent, f => f.Has(Rst));
        Assert.Equal(3, sent.Count(f => f.TcpPayload.Length == 500) - 1);
        Assert.True(h.Tcp.WasReset(s));
        Assert.Equal(1, h.Counters.TcpTimeouts);
    }

    /// <summary>
    /// The same for a peer that talks with window 0 in segments older than the one that set the window (here: behind an
    /// out-of-order segment): their window is not taken, so the window stays open, the data in flight is not waiting
    /// for a window, and the connection is reset after MaxRetransmissions although its owner still holds it.
    /// </summary>
    [Fact]
    public void DataUnacknowledgedThroughAnOpenWindowIsResetAlsoWhenThePeersWindowZeroIsNotTaken()
    {
        var (h, p, s) = Connected(o => o with { MaxRetransmissions = 3, MaxRtoMicroseconds = 1_000_000 });
        h.Deliver(p.Segment(p.SndNxt + 100, p.RcvNxt, Ack, new byte[10])); // out of order: SND.WL1 moves past the peer's SndNxt
        h.Tcp.Send(s, "never acknowledged"u8);
        Assert.Single(p.Mine(h.Flush()), f => f.TcpPayload.Length > 0);
        p.Window = 0;
        for (int i = 0; i < 12 && !h.Tcp.WasReset(s); i++)
        {
            h.Advance(1_000_000);
            h.Tx.Discard();                                   // the retransmissions are lost
            h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));    // no new ACK; window 0 in a segment before SND.WL1
        }
        Assert.True(h.Tcp.WasReset(s));
        Assert.Equal(1, h.Counters.TcpTimeouts);
    }

    [Fact]
    public void AnAckOfNewDataEndsTheBackoffOfEarlierTimeouts()
    {
        // Every byte already sent once, so no later ACK can give an RTT sample (Karn): without ending the backoff here,
        // each further loss would wait twice as long as the last (this stalled a transfer for a minute under 12% loss).
        var (h, p, s) = Connected(o => o with { InitialRtoMicroseconds = 1_000_000, MinRtoMicroseconds = 200_000 });
        h.Tcp.Send(s, new byte[3 * 1460]);
        var segs = p.Mine(h.Flush()).ToList();
        Assert.Equal(3, segs.Count);
        long lastSent = h.Now;
        var gaps = new List<long>();
        // Three timeouts in a row: 200, 400, 800 ms. Bounded in simulated time, so that a stack that stops
        // retransmitting fails the test instead of spinning it for ever.
        for (long t = 0; gaps.Count < 3; t += 10_000)
        {
            Assert.True(t < 10_000_000, $"{gaps.Count} retransmission(s) of the first segment in 10 s, expected 3 (200, 400, 800 ms apart)");
            h.Advance(10_000);
            foreach (var f in p.Mine(h.Flush()).Concat(p.Mine(h.Tx.Drain())))
            {
                Assert.Equal(segs[0].Seq, f.Seq);
                gaps.Add(h.Now - lastSent);
                lastSent = h.Now;
            }
        }
        for (int i = 0; i < 3; i++) Assert.InRange(gaps[i], 200_000L << i, (200_000L << i) + 10_000);
        h.Deliver(p.Segment(p.SndNxt, segs[1].Seq, Ack)); // the first segment's retransmission got through
        h.Flush();
        h.Tx.Drain();
        long ackedAt = h.Now;
        long next = 0;
        for (long t = 0; next == 0 && t < 5_000_000; t += 10_000)
        {
            h.Advance(10_000);
            foreach (var f in p.Mine(h.Flush()).Concat(p.Mine(h.Tx.Drain())))
                if (f.Seq == segs[1].Seq && next == 0) next = h.Now - ackedAt;
        }
        // The next timeout is the RTT estimate's 200 ms again, not the 1,600 ms the backoff had reached.
        Assert.InRange(next, 200_000L, 210_000L);
    }

    [Fact]
    public void ThirdDuplicateAckTriggersFastRetransmitBeforeTheTimer()
    {
        var (h, p, s) = Connected();
        h.Tcp.Send(s, new byte[5 * 1460]);
        var segs = p.Mine(h.Flush()).ToList();
        Assert.Equal(5, segs.Count);
        uint lost = segs[1].Seq;
        h.Deliver(p.Segment(p.SndNxt, lost, Ack)); // first segment arrived
        for (int i = 0; i < 2; i++) h.Deliver(p.Segment(p.SndNxt, lost, Ack));
        Assert.Empty(p.Mine(h.Tx.Drain()));       // two duplicates may be reordering: nothing is sent again yet
        h.Deliver(p.Segment(p.SndNxt, lost, Ack));
        var retx = Assert.Single(p.Mine(h.Tx.Drain()));
        Assert.Equal(lost, retx.Seq);
        Assert.Equal(1, h.Counters.TcpFastRetransmissions);
    }

    /// <summary>
    /// A fast retransmission sends the segment at SND.UNA again whatever the window, but a FIN queued behind it only
    /// inside the peer's window, as every other segment but a timeout's carries it: a peer whose window held exactly the
    /// data drops the FIN (RFC 9293 3.10.7.4), and a FIN counted as sent would then wait for the retransmission timer
    /// instead of going when the data's ACK opens the window.
    /// </summary>
    [Fact]
    public void AFastRetransmissionCarriesTheFinOnlyInsideThePeersWindow()
    {
        var (h, p, s) = Connected();
        p.Window = 1460;
        p.AckAll();                                           // room for exactly one full segment
        h.Tcp.Send(s, new byte[1460]);
        h.Tcp.ShutdownSend(s);
        var data = Assert.Single(p.Mine(h.Flush()));
        Assert.Equal(1460, data.TcpPayload.Length);
        Assert.False(data.Has(Fin));                          // no room for the FIN
        for (int i = 0; i < 3; i++) p.AckAll();               // three duplicate ACKs: the segment looks lost
        var retransmission = Assert.Single(p.Mine(h.Tx.Drain()));
        Assert.Equal(1, h.Counters.TcpFastRetransmissions);
        Assert.Equal(data.Seq, retransmission.Seq);
        Assert.Equal(1460, retransmission.TcpPayload.Length);
        Assert.False(retransmission.Has(Fin), "the fast retransmission carried the FIN beyond the peer's window");
        p.Absorb([retransmission]);
        p.AckAll();                                           // the data is in; the window is open again
        var fin = Assert.Single(p.Absorb(h.Flush()));
        Assert.True(fin.Has(Fin));
        Assert.True(p.GotFin);
    }

    /// <summary>
    /// A fast retransmission resends the segment that looks lost, not bytes the peer's window never let out: beyond
    /// the window they are dropped, yet counted as sent they would wait for the retransmission timer instead of going
    /// when the window opens.
    /// </summary>
    [Fact]
    public void AFastRetransmissionSendsNoDataBeyondThePeersWindow()
    {
        var (h, p, s) = Connected();
        p.Window = 100;
        p.AckAll();
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        h.Tcp.Send(s, data);
        var first = Assert.Single(p.Mine(h.Flush()));
        Assert.Equal(100, first.TcpPayload.Length);           // the window lets 100 bytes out
        for (int i = 0; i < 3; i++) p.AckAll();               // three duplicate ACKs
        var retransmission = Assert.Single(p.Mine(h.Tx.Drain()));
        Assert.Equal(1, h.Counters.TcpFastRetransmissions);
        Assert.Equal(first.Seq, retransmission.Seq);
        Assert.Equal(100, retransmission.TcpPayload.Length);
        p.Absorb([retransmission]);
        p.Window = 65535;
        p.AckAll();                                           // the 100 bytes are in and the window opens
        p.Absorb(h.Flush());
        Assert.Equal(data, p.Received.ToArray());             // the rest goes now, not after a timeout
    }

    [Fact]
    public void PassiveCloseEndsInAFreeSlot()
    {
        var (h, p, s) = Connected();
        p.Send("bye"u8);
        p.SendFin();
        var acks = p.Absorb(h.Flush());
        Assert.Equal(p.SndNxt, acks[^1].AckNumber);     // the FIN is acknowledged
        Assert.Equal(TcpState.CloseWait, h.Tcp.State(s));
        Assert.False(h.Tcp.PeerClosed(s));                   // three bytes are still unread
        Assert.Equal(3, h.Tcp.Receive(s, new byte[10]));
        Assert.True(h.Tcp.PeerClosed(s));
        h.Tcp.Send(s, "ok"u8);
        h.Tcp.Close(s);
        var frames = p.Absorb(h.Flush());
        Assert.True(frames[^1].Has(Fin));
        Assert.Equal("ok", System.Text.Encoding.ASCII.GetString(p.Received.ToArray()));
        Assert.Throws<InvalidOperationException>(() => h.Tcp.State(s)); // the handle is gone
        Assert.Equal(1, h.Tcp.ConnectionsInUse);             // LAST_ACK
        p.AckAll();
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
    }

    /// <summary>
    /// Simultaneous close (RFC 9293 3.6): the peer's FIN arrives in FIN_WAIT_1 before the ACK of ours: CLOSING, the
    /// peer's FIN acknowledged; the ACK of our FIN then leads to TIME_WAIT, which ends in its bounded time.
    /// </summary>
    [Fact]
    public void SimultaneousCloseGoesThroughClosingToTimeWait()
    {
        var (h, p, s) = Connected(o => o with { TimeWaitMicroseconds = 2_000_000 });
        h.Tcp.ShutdownSend(s);
        var ourFin = Assert.Single(h.Flush());                // not absorbed yet: the peer has not seen it
        Assert.True(ourFin.Has(Fin));
        Assert.Equal(TcpState.FinWait1, h.Tcp.State(s));
        h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack | Fin)); // the peer's FIN, acknowledging only what came before ours
        p.SndNxt++;
        Assert.Equal(TcpState.Closing, h.Tcp.State(s));
        var ack = Assert.Single(p.Mine(h.Flush()));
        Assert.Equal(p.SndNxt, ack.AckNumber);
        Assert.True(h.Tcp.PeerClosed(s));
        p.Absorb([ourFin]);
        p.AckAll();
        Assert.Equal(TcpState.TimeWait, h.Tcp.State(s));
        Assert.Equal(1, h.Tcp.TimeWait);
        h.Advance(2_100_000);
        Assert.Equal(TcpState.Closed, h.Tcp.State(s));        // the owner still holds it after ShutdownSend
        OwnerHearsOfItAndClosesIt(h, s);
    }

    [Fact]
    public void ActiveCloseHoldsTimeWaitForItsBoundedTimeOnly()
    {
        var (h, p, s) = Connected(o => o with { TimeWaitMicroseconds = 2_000_000 });
        h.Tcp.Close(s);
        Assert.True(Assert.Single(p.Absorb(h.Flush())).Has(Fin));
        p.AckAll();                                           // FIN_WAIT_2
        p.SendFin();                                          // TIME_WAIT
        var ack = Assert.Single(p.Absorb(h.Flush()));
        Assert.Equal(p.SndNxt, ack.AckNumber);
        Assert.Equal(1, h.Tcp.TimeWait);
        // A retransmitted FIN in TIME_WAIT is acknowledged again.
        h.Deliver(p.Segment(p.SndNxt - 1, p.RcvNxt, Ack | Fin));
        Assert.Single(p.Absorb(h.Flush()));
        h.Advance(1_900_000);
        Assert.Equal(1, h.Tcp.ConnectionsInUse);
        h.Advance(200_000);
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
        Assert.Equal(0, h.Tcp.TimeWait);
    }

    [Fact]
    public void ARetransmittedFinInTimeWaitRestartsItsTime()
    {
        // RFC 793 (TIME-WAIT, FIN bit): acknowledge it and restart the 2 MSL timeout, since the peer did not get our ACK.
        var (h, p, s) = Connected(o => o with { TimeWaitMicroseconds = 2_000_000 });
        IntoTimeWait(h, p, s);
        Assert.Equal(1, h.Tcp.TimeWait);
        h.Advance(1_900_000);
        h.Deliver(p.Segment(p.SndNxt - 1, p.RcvNxt, Ack | Fin));
        Assert.Equal(p.SndNxt, Assert.Single(p.Absorb(h.Flush())).AckNumber);
        h.Advance(1_900_000);
        Assert.Equal(1, h.Tcp.TimeWait);                      // 2 s from the retransmitted FIN, not from the first one
        h.Advance(200_000);
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
    }

    [Fact]
    public void PeerResetClosesTheSocketButAnInWindowGuessOnlyEarnsAChallengeAck()
    {
        var (h, p, s) = Connected();
        h.Deliver(p.Segment(p.SndNxt + 100, 0, Rst));        // in window, not exact (RFC 5961)
        Assert.Single(p.Mine(h.Tx.Drain()));
        Assert.Equal(TcpState.Established, h.Tcp.State(s));
        h.Deliver(p.Segment(p.SndNxt, 0, Rst));
        Assert.True(h.Tcp.WasReset(s));
        OwnerHearsOfItAndClosesIt(h, s);
    }

    [Fact]
    public void ShutdownSendSendsFinAfterTheDataAndStillReadsUntilThePeerCloses()
    {
        var (h, p, s) = Connected(o => o with { TimeWaitMicroseconds = 2_000_000 });
        p.Send("request"u8);
        h.Tcp.Send(s, "431"u8);
        h.Tcp.ShutdownSend(s);
        h.Tcp.ShutdownSend(s);                                // a second call does nothing
        p.Absorb(h.Flush());
        Assert.True(p.GotFin);
        Assert.Equal("431", System.Text.Encoding.ASCII.GetString(p.Received.ToArray()));
        p.AckAll();
        Assert.Equal(TcpState.FinWait2, h.Tcp.State(s));
        p.Send(" and more of it"u8);                          // the peer goes on sending: accepted, no reset
        p.SendFin();
        Assert.DoesNotContain(p.Absorb(h.Flush()), f => f.Has(Rst));
        Assert.False(p.GotRst);
        var read = new byte[64];
        Assert.Equal(22, h.Tcp.Receive(s, read));
        Assert.Equal("request and more of it", System.Text.Encoding.ASCII.GetString(read, 0, 22));
        Assert.True(h.Tcp.PeerClosed(s));
        Assert.Equal(TcpState.TimeWait, h.Tcp.State(s));
        h.Tcp.Close(s);
        Assert.Empty(p.Mine(h.Flush()));                      // nothing unread: no reset
        h.Advance(2_100_000);
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
    }

    [Fact]
    public void AShutDownSocketWhoseCloseCompletesStaysClosedUntilItsOwnerClosesIt()
    {
        // TIME_WAIT over while the owner still holds the socket.
        var (h, p, s) = Connected(o => o with { TimeWaitMicroseconds = 1_000_000 });
        IntoTimeWait(h, p, s, shutdownOnly: true);
        h.Advance(1_100_000);
        Assert.Equal(TcpState.Closed, h.Tcp.State(s));   // the handle is still valid
        Assert.False(h.Tcp.WasReset(s));
        Assert.True(h.Tcp.PeerClosed(s));
        Assert.Equal(1, h.Tcp.ConnectionsInUse);
        h.Tcp.Close(s);
        Assert.Equal(0, h.Tcp.ConnectionsInUse);

        // LAST_ACK acknowledged while the owner still holds the socket (the peer closed first).
        var (h2, p2, s2) = Connected();
        p2.SendFin();
        p2.Absorb(h2.Flush());
        Assert.Equal(TcpState.CloseWait, h2.Tcp.State(s2));
        h2.Tcp.ShutdownSend(s2);
        Assert.Equal(TcpState.LastAck, h2.Tcp.State(s2));
        p2.Absorb(h2.Flush());
        Assert.True(p2.GotFin);
        p2.AckAll();
        Assert.Equal(TcpState.Closed, h2.Tcp.State(s2));
        OwnerHearsOfItAndClosesIt(h2, s2);
    }

    [Fact]
    public void EndingAnOwnedTimeWaitEarlyKeepsTheOwnersHandle()
    {
        // A full table recycles TIME_WAIT for a new SYN: an owner's connection ends as Closed, its handle still valid.
        var (h, p, s) = Connected(o => o with { MaxConnections = 1 });
        IntoTimeWait(h, p, s, shutdownOnly: true);
        Assert.Equal(TcpState.TimeWait, h.Tcp.State(s));
        var other = new TcpTestPeer(h, 6000);
        h.Deliver(other.Syn());
        Assert.Equal(TcpState.Closed, h.Tcp.State(s));
        Assert.False(h.Tcp.WasReset(s));
        Assert.True(h.Tcp.PeerClosed(s));
        Assert.True(Assert.Single(other.Mine(h.Flush())).Has(Rst)); // the owner still holds the only slot
        h.Tcp.Close(s);
        Assert.Equal(0, h.Tcp.ConnectionsInUse);

        // A new SYN from the same peer, beyond the old connection's sequence space, reopens it (RFC 1122 4.2.2.13).
        var (h2, p2, s2) = Connected();
        h2.Tcp.ShutdownSend(s2);
        p2.Absorb(h2.Flush());
        p2.AckAll();
        p2.SendFin();
        p2.Absorb(h2.Flush());
        var again = new TcpTestPeer(h2, 5000, iss: p2.SndNxt + 100_000);
        h2.Deliver(again.Syn());
        Assert.Equal(TcpState.Closed, h2.Tcp.State(s2));
        Assert.False(h2.Tcp.WasReset(s2));
        var synAck = Assert.Single(again.Mine(h2.Flush()));
        Assert.True(synAck.Has(Syn) && synAck.Has(Ack));
        Assert.Equal(again.Iss + 1, synAck.AckNumber);
        h2.Tcp.Close(s2);
        Assert.Equal(1, h2.Tcp.ConnectionsInUse);             // the new connection only
    }

    [Fact]
    public void FinWait2AfterShutdownIsBoundedOnceTheOwnerCloses()
    {
        var (h, p, s) = Connected(o => o with { FinWait2TimeoutMicroseconds = 1_000_000 });
        h.Tcp.ShutdownSend(s);
        p.Absorb(h.Flush());
        p.AckAll();
        h.Advance(3_000_000);                                 // the owner may read for as long as it holds the socket
        Assert.Equal(TcpState.FinWait2, h.Tcp.State(s));
        h.Tcp.Close(s);
        h.Advance(900_000);
        Assert.Equal(1, h.Tcp.ConnectionsInUse);
        h.Advance(200_000);
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
    }

    [Fact]
    public void ClosingWithUnreadDataResets()
    {
        var (h, p, s) = Connected();
        p.Send("unread"u8);
        h.Tcp.Close(s);
        Assert.Contains(p.Mine(h.Tx.Drain()), f => f.Has(Rst));
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
    }

    [Fact]
    public void AFullReceiveBufferClosesTheWindowAndReadingReopensIt()
    {
        var (h, p, s) = Connected(o => o with { ReceiveBufferBytes = 4096 });
        p.Send(new byte[1460]);
        p.Send(new byte[1460]);
        p.Send(new byte[1176]);
        var ack = p.Absorb(h.Flush())[^1];
        Assert.Equal(0, ack.Window);
        // Beyond the window: not accepted, answered with the same ACK and window 0.
        h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack, new byte[100]));
        var probeAck = Assert.Single(p.Absorb(h.Tx.Drain()));
        Assert.Equal(p.SndNxt, probeAck.AckNumber);
        Assert.Equal(0, probeAck.Window);
        Assert.Equal(4096, h.Tcp.Available(s));
        // Reading a little is not worth a window update; reading half is.
        h.Tcp.Consume(s, 100);
        Assert.Empty(h.Flush());
        h.Tcp.Consume(s, 2000);
        var update = Assert.Single(p.Absorb(h.Flush()));
        Assert.Equal(2100, update.Window);
    }

    [Fact]
    public void AZeroWindowPeerIsProbedAndGetsTheDataWhenItOpens()
    {
        var (h, p, s) = Connected();
        p.Window = 0;
        p.AckAll();                                           // the peer announces window 0
        h.Tcp.Send(s, "queued"u8);
        Assert.Empty(h.Flush());                              // nothing may go
        h.Advance(250_000);                                   // persist timer (RTO floor 200 ms)
        var probe = Assert.Single(p.Mine(h.Tx.Drain()));
        Assert.Equal(0, probe.TcpPayload.Length);             // an empty probe just below SND.UNA (as Linux sends)
        Assert.Equal(p.RcvNxt - 1, probe.Seq);
        h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));       // still closed: the answer keeps the connection alive
        Assert.Empty(h.Flush());
        h.Advance(450_000);                                   // the next probe comes after a doubled RTO
        Assert.Single(p.Mine(h.Tx.Drain()));
        p.Window = 65535;
        h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));       // the window opens
        p.Absorb(h.Flush());
        Assert.Equal("queued", System.Text.Encoding.ASCII.GetString(p.Received.ToArray()));
        Assert.Equal(TcpState.Established, h.Tcp.State(s));
    }

    /// <summary>
    /// A persist timeout that finds the transmitter full loses that probe only: the timer is armed again (backed off),
    /// the next probe goes at its expiry, and the data goes when the answer opens the window.
    /// </summary>
    [Fact]
    public void AWindowProbeThatFindsTheTransmitterFullGoesAtTheNextPersistTimeout()
    {
        var (h, p, s) = Connected();
        p.Window = 0;
        p.AckAll();
        h.Tcp.Send(s, "queued"u8);
        Assert.Empty(h.Flush());
        h.Tx.Limit = 0;                                       // the transmit ring is full when the persist timer fires
        h.Advance(250_000);
        Assert.Equal(0, h.Tx.Pending);
        Assert.Equal(1, h.Counters.TxRingFull);
        h.Tx.Limit = null;
        h.Advance(450_000);                                   // the timer was armed again, with a doubled RTO
        var probe = Assert.Single(p.Mine(h.Tx.Drain()));
        Assert.Equal(0, probe.TcpPayload.Length);
        Assert.Equal(p.RcvNxt - 1, probe.Seq);
        p.Window = 65535;
        h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));
        p.Absorb(h.Flush());
        Assert.Equal("queued", System.Text.Encoding.ASCII.GetString(p.Received.ToArray()));
    }

    /// <summary>
    /// An owned connection probes a closed window for as long as the peer answers (RFC 1122 4.2.2.17); once the
    /// application has closed it, answered probes no longer reprieve it: after MaxRetransmissions probes it is reset and
    /// its slot freed, so a peer that keeps its window shut cannot hold connections forever (Linux: tcp_orphan_retries).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnswersToWindowProbesKeepOnlyAnOwnedConnectionAlive(bool closedByTheApplication)
    {
        var (h, p, s) = Connected(o => o with { MaxRetransmissions = 3, MaxRtoMicroseconds = 1_000_000 });
        p.Window = 0;
        p.AckAll();
        h.Tcp.Send(s, "queued"u8);
        if (closedByTheApplication) h.Tcp.Close(s);
        Assert.Empty(p.Mine(h.Flush()));                      // data (and FIN) held back by the zero window
        int probes = 0;
        for (int i = 0; i < 12 && h.Tcp.ConnectionsInUse > 0; i++)
        {
            h.Advance(1_000_000);                             // at least one RTO, at its 1 s ceiling
            foreach (var segment in p.Mine(h.Flush()).Concat(p.Mine(h.Tx.Drain())))
            {
                if (segment.Has(Rst)) continue;
                Assert.Equal(0, segment.TcpPayload.Length);   // a window probe, never data the peer must drop
                probes++;
                h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack)); // answered: the window is still 0
            }
        }
        if (closedByTheApplication)
        {
            Assert.Equal(3, probes);                          // MaxRetransmissions probes, then the reset
            Assert.Equal(0, h.Tcp.ConnectionsInUse);
            Assert.Equal(1, h.Counters.TcpTimeouts);
        }
        else
        {
            Assert.Equal(12, probes);                         // one per second, for as long as the peer answers
            Assert.Equal(TcpState.Established, h.Tcp.State(s));
            Assert.Equal(0, h.Counters.TcpTimeouts);
        }
    }

    /// <summary>
    /// An answer to a probe counts as an open window only when its window is taken (RFC 9293's SND.WL1/SND.WL2 rule):
    /// a closed connection whose peer answers every probe with a nonzero window in a segment older than the one that
    /// shut the window (here: behind an out-of-order segment that announced window 0) still has its window shut, so
    /// its probes count towards MaxRetransmissions and it is reset, rather than probing for as long as the peer answers.
    /// </summary>
    [Fact]
    public void AProbeAnswerWhoseWindowIsNotTakenDoesNotKeepAClosedConnectionAlive()
    {
        var (h, p, s) = Connected(o => o with { MaxRetransmissions = 3, MaxRtoMicroseconds = 1_000_000 });
        p.Window = 0;
        p.AckAll();
        h.Deliver(p.Segment(p.SndNxt + 100, p.RcvNxt, Ack, new byte[10])); // out of order, window 0: SND.WL1 moves past SndNxt
        h.Tcp.Send(s, "queued"u8);
        h.Tcp.Close(s);
        h.Flush();
        p.Window = 65535;
        int probes = 0;
        for (int i = 0; i < 12 && h.Tcp.ConnectionsInUse > 0; i++)
        {
            h.Advance(1_000_000);
            foreach (var segment in p.Mine(h.Flush()).Concat(p.Mine(h.Tx.Drain())))
            {
                if (segment.Has(Rst)) continue;
                Assert.Equal(0, segment.TcpPayload.Length);
                probes++;
                h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack)); // window 65535, but seq is before SND.WL1: not taken
            }
        }
        Assert.Equal(3, probes);
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
        Assert.Equal(1, h.Counters.TcpTimeouts);
    }

    [Fact]
    public void DataSentWhenAZeroWindowOpensGetsAFullRetransmissionTimeout()
    {
        var (h, p, s) = Connected();
        p.Window = 0;
        p.AckAll();
        h.Tcp.Send(s, "queued"u8);
        Assert.Empty(h.Flush());                              // held back; the persist timer runs (RTO floor 200 ms)
        h.Advance(150_000);
        p.Window = 65535;
        h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));       // the window opens before the persist timer fires
        var sent = Assert.Single(p.Mine(h.Flush()));
        Assert.Equal(6, sent.TcpPayload.Length);
        // Unacknowledged, the data waits one RTO (200 ms) from its sending before it goes again, not the persist timer's rest.
        for (int i = 0; i < 19; i++)
        {
            h.Advance(10_000);
            Assert.Empty(p.Mine(h.Flush()).Concat(p.Mine(h.Tx.Drain())));
        }
        h.Advance(20_000);
        Assert.Equal(sent.Seq, Assert.Single(p.Mine(h.Flush()).Concat(p.Mine(h.Tx.Drain()))).Seq);
    }

    /// <summary>
    /// A FIN takes a sequence number, so a peer whose window is 0 drops it (RFC 9293 3.10.7.4). A FIN closed into a shut
    /// window waits behind window probes and goes at the first segment that opens the window, not into the shut window
    /// and then again only when its backed-off retransmission timeout runs out.
    /// </summary>
    [Fact]
    public void AFinQueuedWhileThePeersWindowIsShutGoesWhenTheWindowOpens()
    {
        var (h, p, s) = Connected(o => o with { MaxRtoMicroseconds = 10_000_000 });
        p.Window = 0;
        p.AckAll();
        h.Tcp.ShutdownSend(s);
        var sent = p.Mine(h.Flush()).ToList();
        for (int i = 0; i < 4; i++)
        {
            h.Advance(1_000_000);
            sent.AddRange(p.Mine(h.Flush()).Concat(p.Mine(h.Tx.Drain())));
            h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));   // window 0: anything that took a sequence number is dropped
        }
        Assert.DoesNotContain(sent, f => f.Has(Fin));
        Assert.NotEmpty(sent);                                // window probes
        p.Window = 65535;
        h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));       // the window opens
        var fin = Assert.Single(p.Absorb(h.Flush()));
        Assert.True(fin.Has(Fin));
        Assert.True(p.GotFin);
        p.AckAll();
        Assert.Equal(TcpState.FinWait2, h.Tcp.State(s));
    }

    /// <summary>Data and a FIN queued behind a zero window: a window that opens just wide enough for the data takes the data alone, the FIN follows once there is room for it.</summary>
    [Fact]
    public void DataAndFinQueuedBehindAZeroWindowGoInOrderAsTheWindowAllows()
    {
        var (h, p, s) = Connected(o => o with { MaxRtoMicroseconds = 10_000_000 });
        p.Window = 0;
        p.AckAll();
        h.Tcp.Send(s, "queued"u8);
        h.Tcp.Close(s);
        Assert.Empty(p.Mine(h.Flush()));
        p.Window = 6;
        h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));       // room for the six bytes, not for the FIN
        var data = Assert.Single(p.Absorb(h.Flush()));
        Assert.Equal(6, data.TcpPayload.Length);
        Assert.False(data.Has(Fin));
        p.Window = 0;
        p.AckAll();                                           // the data is in; the window is shut again
        for (int i = 0; i < 3; i++)
        {
            h.Advance(1_000_000);
            Assert.DoesNotContain(p.Mine(h.Flush()).Concat(p.Mine(h.Tx.Drain())), f => f.Has(Fin));
            h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));
        }
        p.Window = 65535;
        h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));
        Assert.True(Assert.Single(p.Absorb(h.Flush())).Has(Fin));
        Assert.Equal("queued", System.Text.Encoding.ASCII.GetString(p.Received.ToArray()));
        Assert.True(p.GotFin);
    }

    /// <summary>
    /// Both sequence spaces cross 2^32 within the connection (the stack's ISS from a seed chosen for it, the peer's ISS
    /// 1000 below the wrap): reassembly, ACK acceptability, trimming of the retransmission queue, go-back-N, the window
    /// update rule and TIME_WAIT's test for a new SYN all compare modulo 2^32.
    /// </summary>
    [Fact]
    public void SequenceNumbersWrapOnBothSidesOfAConnection()
    {
        var (h, _) = Listening(o => o with { IsnSeed = 3284011, TimeWaitMicroseconds = 2_000_000 });
        var p = new TcpTestPeer(h, 5000, iss: uint.MaxValue - 1000);
        p.Handshake();
        Assert.True(p.ServerIss > uint.MaxValue - 3000, $"the seed no longer puts the stack's ISS near 2^32: {p.ServerIss}");
        Assert.True(h.Tcp.TryAccept(80, out var s));
        // The peer's data crosses its wrap (at its byte 1000), the first segment arriving last.
        byte[] request = Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray();
        uint start = p.SndNxt;
        h.Deliver(p.Segment(start + 1460, p.RcvNxt, Ack, request.AsSpan(1460, 1460)));
        h.Deliver(p.Segment(start + 2920, p.RcvNxt, Ack, request.AsSpan(2920)));
        p.Window = 0;                                         // an old window: the segments after the wrap announced a later one
        h.Deliver(p.Segment(start, p.RcvNxt, Ack, request.AsSpan(0, 1460)));
        p.Window = 65535;
        p.SndNxt = start + 3000;
        var got = new byte[4000];
        Assert.Equal(3000, h.Tcp.Receive(s, got));
        Assert.Equal(request, got[..3000]);
        // The stack's data crosses its wrap.
        byte[] response = Enumerable.Range(0, 4000).Select(i => (byte)(i * 13)).ToArray();
        Assert.Equal(4000, h.Tcp.Send(s, response));
        p.Absorb(h.Flush());
        Assert.Equal(response, p.Received.ToArray());
        uint end = p.RcvNxt;
        Assert.True(end < 4000, "the stack's data did not cross 2^32");
        int fullSpace = 16384;
        Assert.Equal(fullSpace - 4000, h.Tcp.SendSpace(s));
        // An ACK of the first 2920 bytes (past the wrap) trims exactly them; an older one and one beyond SND.MAX change nothing.
        uint partial = p.ServerIss + 1 + 2920;
        h.Deliver(p.Segment(p.SndNxt, partial, Ack));
        Assert.Equal(fullSpace - 1080, h.Tcp.SendSpace(s));
        h.Deliver(p.Segment(p.SndNxt, p.ServerIss + 1 + 100, Ack));
        h.Deliver(p.Segment(p.SndNxt, end + 10, Ack));
        var challenge = Assert.Single(p.Mine(h.Flush()));
        Assert.Equal(end, challenge.Seq);
        Assert.Equal(fullSpace - 1080, h.Tcp.SendSpace(s));
        // The timeout sends again from the first unacknowledged byte, the one after the wrap.
        h.Advance(250_000);
        var again = p.Mine(h.Flush()).Concat(p.Mine(h.Tx.Drain())).Where(f => f.TcpPayload.Length > 0).ToList();
        Assert.Equal(partial, Assert.Single(again).Seq);
        Assert.Equal(1080, again[0].TcpPayload.Length);       // the whole rest: the window is open
        Assert.Equal(response.AsSpan(2920, again[0].TcpPayload.Length).ToArray(), again[0].TcpPayload.ToArray());
        p.AckAll();
        Assert.Equal(fullSpace, h.Tcp.SendSpace(s));
        // Close into TIME_WAIT: a SYN numbered before the wrap is old, one after the old connection's space reopens it.
        IntoTimeWait(h, p, s);
        Assert.Equal(1, h.Tcp.TimeWait);
        h.Deliver(p.Segment(uint.MaxValue - 10, 0, Syn, default, MssOption(1460)));
        Assert.DoesNotContain(p.Mine(h.Flush()).Concat(p.Mine(h.Tx.Drain())), f => f.Has(Syn));
        Assert.Equal(1, h.Tcp.TimeWait);
        h.Deliver(p.Segment(p.SndNxt + 100_000, 0, Syn, default, MssOption(1460)));
        Assert.Contains(p.Mine(h.Tx.Drain()), f => f.Has(Syn) && f.Has(Ack));
        Assert.Equal(0, h.Tcp.TimeWait);
    }

    /// <summary>
    /// Out-of-order data is kept in up to <see cref="TcpReceiveBuffer.MaxIntervals"/> (4) separate intervals: with four
    /// holes' worth of later segments held, the one segment that fills up to the last interval makes all of it readable.
    /// </summary>
    [Fact]
    public void FourOutOfOrderIntervalsAreHeldAndOneSegmentJoinsThemAll()
    {
        var (h, p, s) = Connected();
        byte[] data = Enumerable.Range(0, 800).Select(i => (byte)(i * 11)).ToArray();
        uint start = p.SndNxt;
        for (int k = 100; k < 800; k += 200) h.Deliver(p.Segment(start + (uint)k, p.RcvNxt, Ack, data.AsSpan(k, 100)));
        Assert.All(p.Absorb(h.Tx.Drain()), a => Assert.Equal(start, a.AckNumber));
        h.Deliver(p.Segment(start, p.RcvNxt, Ack, data.AsSpan(0, 700)));
        Assert.Equal(start + 800, Assert.Single(p.Absorb(h.Tx.Drain())).AckNumber);
        var got = new byte[1000];
        Assert.Equal(800, h.Tcp.Receive(s, got));
        Assert.Equal(data, got[..800]);
    }

    /// <summary>A FIN that arrives ahead of missing data takes effect only once the data before it is in: until then the
    /// ACK stays at the hole and the connection stays ESTABLISHED with no end of stream.</summary>
    [Fact]
    public void AFinAheadOfMissingDataWaitsForTheDataBeforeIt()
    {
        var (h, p, s) = Connected();
        byte[] data = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
        uint start = p.SndNxt;
        h.Deliver(p.Segment(start + 100, p.RcvNxt, Ack | Fin, data.AsSpan(100, 100)));
        Assert.Equal(start, Assert.Single(p.Absorb(h.Tx.Drain())).AckNumber);
        Assert.Equal(TcpState.Established, h.Tcp.State(s));
        Assert.False(h.Tcp.PeerClosed(s));
        h.Deliver(p.Segment(start, p.RcvNxt, Ack, data.AsSpan(0, 100)));
        Assert.Equal(start + 201, p.Absorb(h.Flush()).Last().AckNumber);    // the data and the FIN
        Assert.Equal(TcpState.CloseWait, h.Tcp.State(s));
        var got = new byte[300];
        Assert.Equal(200, h.Tcp.Receive(s, got));
        Assert.Equal(data, got[..200]);
        Assert.True(h.Tcp.PeerClosed(s));
    }

    /// <summary>After a retransmission timeout the congestion window is one segment (RFC 5681 3.1): the ACK of the
    /// retransmitted segment lets two more go (slow start), not the whole window that was in flight before.</summary>
    [Fact]
    public void ATimeoutRestartsSlowStartFromOneSegment()
    {
        var (h, p, s) = Connected();
        Assert.Equal(16384, h.Tcp.Send(s, new byte[16384]));
        var first = p.Mine(h.Flush()).ToList();
        Assert.Equal(10, first.Count);                         // the initial window: 10 segments of 1460
        h.Advance(250_000);                                    // past the 200 ms RTO
        var retx = Assert.Single(p.Mine(h.Tx.Drain()));
        Assert.Equal(first[0].Seq, retx.Seq);
        h.Deliver(p.Segment(p.SndNxt, first[0].Seq + 1460, Ack));
        var next = p.Mine(h.Flush()).ToList();
        Assert.Equal(2, next.Count);
        Assert.Equal(first[1].Seq, next[0].Seq);
    }

    /// <summary>An ACK of new data ends the count of retransmissions even while more data is in flight: a connection
    /// whose peer acknowledges part of what was sent again is retransmitted to, not reset at its next timeout.</summary>
    [Fact]
    public void APartialAckOfNewDataEndsTheCountOfRetransmissions()
    {
        var (h, p, s) = Connected(o => o with { MaxRetransmissions = 2 });
        h.Tcp.Send(s, new byte[3 * 1460]);
        var sent = p.Mine(h.Flush()).ToList();
        Assert.Equal(3, sent.Count);
        h.Advance(250_000);
        Assert.Single(p.Mine(h.Tx.Drain()));                  // first timeout
        h.Advance(450_000);
        Assert.Single(p.Mine(h.Tx.Drain()));                  // second, after a doubled RTO
        h.Deliver(p.Segment(p.SndNxt, sent[1].Seq, Ack));     // the first segment got through
        h.Tx.Discard();
        h.Advance(250_000);
        var retx = Assert.Single(p.Mine(h.Tx.Drain()));
        Assert.False(retx.Has(Rst), "reset although the peer had just acknowledged new data");
        Assert.Equal(sent[1].Seq, retx.Seq);
    }

    /// <summary>The peer's MSS option bounds every segment sent to it (here 536 against the stack's own 1460).</summary>
    [Fact]
    public void SegmentsAreNoLongerThanThePeersMss()
    {
        var (h, p) = Listening();
        h.Deliver(p.Segment(p.Iss, 0, Syn, default, MssOption(536)));
        var synAck = Assert.Single(p.Mine(h.Flush()));
        p.RcvNxt = synAck.Seq + 1;
        h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack));
        Assert.True(h.Tcp.TryAccept(80, out var s));
        h.Tcp.Send(s, new byte[2000]);
        var segs = p.Mine(h.Flush()).ToList();
        Assert.Equal(new[] { 536, 536, 536, 392 }, segs.Select(f => f.TcpPayload.Length).ToArray());
    }

    [Fact]
    public void ALostSynAckIsSentAgainAndAnUnansweredHandshakeIsDropped()
    {
        var (h, p) = Listening(o => o with { SynAckRetries = 2 });
        h.Deliver(p.Syn());
        var synAck = Assert.Single(h.Flush());
        h.Deliver(p.Syn());                                   // the peer retransmits its SYN
        Assert.Equal(synAck.Seq, Assert.Single(h.Flush()).Seq);
        h.Advance(1_000_000);
        Assert.Single(h.Tx.Drain());                          // timer: first retransmission
        h.Advance(1_000_000);
        Assert.Empty(h.Tx.Drain());                           // not after the first RTO again ...
        h.Advance(1_000_000);
        Assert.Single(h.Tx.Drain());                          // ... but after a doubled one: second
        h.Advance(4_000_000);
        Assert.Empty(h.Tx.Drain());
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
        Assert.Equal(1, h.Counters.TcpHalfOpenDropped);
    }

    /// <summary>
    /// A SYN with another initial sequence number while the handshake is half done (a restarted client reusing its
    /// port, or a blind guess) neither resets the half-open connection nor goes unanswered: it earns a challenge ACK
    /// for the sequence numbers the connection holds (RFC 5961 4.2; in or out of the window). A new incarnation of the
    /// client answers that ACK with a RST at its acknowledgment number (RFC 9293, SYN-SENT), which frees the
    /// half-open connection at once, and its next SYN opens a new one.
    /// </summary>
    [Theory]
    [InlineData(100u)]          // inside the receive window
    [InlineData(7_000_000u)]    // far outside it
    public void ASynWithAnotherIsnInSynReceivedEarnsAChallengeAck(uint isnDistance)
    {
        var (h, p) = Listening();
        h.Deliver(p.Syn());
        var synAck = Assert.Single(p.Mine(h.Flush()));
        var restarted = new TcpTestPeer(h, p.Port, iss: p.Iss + isnDistance);
        h.Deliver(restarted.Syn());
        var challenge = Assert.Single(restarted.Mine(h.Flush()));
        Assert.True(challenge.Has(Ack));
        Assert.False(challenge.Has(Syn) || challenge.Has(Rst));
        Assert.Equal(synAck.Seq + 1, challenge.Seq);
        Assert.Equal(p.Iss + 1, challenge.AckNumber);          // the half-open connection's state is unchanged
        Assert.Equal(1, h.Tcp.HalfOpen);
        h.Deliver(restarted.Segment(challenge.AckNumber, 0, Rst));
        Assert.Equal(0, h.Tcp.ConnectionsInUse);
        var newSynAck = restarted.Handshake();
        Assert.Equal(restarted.Iss + 1, newSynAck.AckNumber);
        Assert.True(h.Tcp.TryAccept(80, out _));
    }

    [Fact]
    public void DataArrivingWithTheHandshakeAckIsDelivered()
    {
        var (h, p) = Listening();
        h.Deliver(p.Syn());
        var synAck = Assert.Single(h.Flush());
        p.RcvNxt = synAck.Seq + 1;
        p.Send("GET /"u8);                                   // ACK of the SYN-ACK with data
        Assert.True(h.Tcp.TryAccept(80, out var s));
        Assert.True(h.Tcp.TryGetReady(out _));
        Assert.Equal(5, h.Tcp.Available(s));
    }

    [Fact]
    public void StaleHandlesAreRefused()
    {
        var (h, _, s) = Connected();
        h.Tcp.Abort(s);
        var e = Assert.Throws<InvalidOperationException>(() => h.Tcp.Send(s, "x"u8));
        Assert.Contains("no longer open", e.Message);
        Assert.Throws<InvalidOperationException>(() => h.Tcp.Available(default));
    }

    [Fact]
    public void KeepAliveRequestsAllocateNothingPerRequestInSteadyState()
    {
        var (h, p, s) = Connected();
        byte[] request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
        byte[] response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
        var buf = new byte[256];
        // Prebuild the peer's segments (the test's own allocations stay outside the measured window).
        const int Requests = 3000;
        var segments = new byte[Requests][];
        var acks = new byte[Requests][];
        uint seq = p.SndNxt, serverSeq = p.RcvNxt;
        for (int i = 0; i < Requests; i++)
        {
            segments[i] = p.Segment(seq, serverSeq, Ack | Psh, request);
            seq += (uint)request.Length;
            serverSeq += (uint)response.Length;
            acks[i] = p.Segment(seq, serverSeq, Ack);
        }
        long before = 0;
        for (int i = 0; i < Requests; i++)
        {
            if (i == 1000) before = GC.GetAllocatedBytesForCurrentThread();
            h.Stack.ReceiveFrame(segments[i]);
            while (h.Tcp.TryGetReady(out var r))
                if (h.Tcp.Receive(r, buf) > 0) h.Tcp.Send(r, response);
            h.Stack.Flush();
            h.Tx.Discard();
            h.Stack.ReceiveFrame(acks[i]);
            h.Advance(100);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(TcpState.Established, h.Tcp.State(s));
    }
}

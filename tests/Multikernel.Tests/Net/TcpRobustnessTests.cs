using static Multikernel.Tests.Net.TestFrames;

namespace Multikernel.Tests.Net;

/// <summary>
/// Abuse at the stack level (bounded in count and in simulated time): a SYN flood, 2,000 idle connections, slowloris
/// trickling, a 100 KB request header. In each the stack keeps its memory within what its options reserve and keeps
/// serving a well-behaved client.
/// </summary>
public class TcpRobustnessTests
{
    /// <summary>A well-behaved client: connect, one request, the response, close.</summary>
    static void GoodClientIsServed(StackHarness h, MiniHttpServer server, ushort port)
    {
        var p = new TcpTestPeer(h, port);
        p.Handshake();
        server.Poll(h.Now);
        p.Send(MiniHttpServer.Request());
        server.Poll(h.Now);
        p.Absorb(h.Flush());
        Assert.Equal(MiniHttpServer.Response, p.Received.ToArray());
        p.SendFin();
        server.Poll(h.Now);
        p.Absorb(h.Flush());
        Assert.True(p.GotFin);
        p.AckAll();
    }

    [Fact]
    public void SynFloodStaysBoundedAndAGoodClientIsStillServed()
    {
        using var h = new StackHarness(o => o with { MaxConnections = 256, MaxHalfOpen = 64 });
        h.Tcp.Listen(80);
        var server = new MiniHttpServer(h.Tcp, 80);
        h.Introduce();
        // 5,000 SYNs from the peer's address and 500 from 50 spoofed link-local addresses that never answer ARP.
        var flood = new List<byte[]>();
        for (int i = 0; i < 5000; i++) flood.Add(new TcpTestPeer(h, (ushort)(10_000 + i), iss: (uint)i * 7919).Syn());
        for (int i = 0; i < 500; i++)
            flood.Add(new TcpTestPeer(h, (ushort)(20_000 + i), address: new Ipv4Address(169, 254, 2, (byte)(1 + i % 50))).Syn());
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var f in flood)
        {
            h.Stack.ReceiveFrame(f);
            h.Tx.Discard();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(h.Tcp.HalfOpen <= 64, $"{h.Tcp.HalfOpen} half-open connections");
        Assert.True(h.Tcp.ConnectionsInUse <= 64);
        Assert.True(h.Counters.TcpHalfOpenDropped >= 5000 - 64);
        GoodClientIsServed(h, server, 9000);
        // The flood's half-open connections expire after their SYN-ACK retries; nothing else stays behind.
        for (int i = 0; i < 200; i++) h.Advance(500_000);
        h.Tx.Discard();
        Assert.Equal(0, h.Tcp.HalfOpen);
        Assert.True(h.Tcp.ConnectionsInUse <= 1); // the good client's TIME_WAIT, if the timer has not run yet
    }

    [Fact]
    public void TwoThousandIdleConnectionsStayOpenAndANewOneIsServed()
    {
        using var h = new StackHarness(o => o with { MaxConnections = 2100, ReceiveBufferBytes = 2048, SendBufferBytes = 2048 });
        h.Tcp.Listen(80);
        var server = new MiniHttpServer(h.Tcp, 80);
        h.Introduce();
        var peers = new List<TcpTestPeer>();
        for (int i = 0; i < 2000; i++)
        {
            var p = new TcpTestPeer(h, (ushort)(10_000 + i));
            p.Handshake();
            peers.Add(p);
        }
        server.Poll(h.Now);
        Assert.Equal(2000, server.Open);
        long reserved = h.Tcp.BufferBytesReserved;
        // Ten idle minutes: no keepalive, no timers due, nothing sent, nothing closed.
        for (int i = 0; i < 600; i++) h.Advance(1_000_000);
        Assert.Empty(h.Flush());
        Assert.Equal(2000, h.Tcp.ConnectionsInUse);
        server.Poll(h.Now);
        Assert.Equal(2000, server.Open);
        GoodClientIsServed(h, server, 9000);
        // Any of the idle ones is still usable.
        var q = peers[1234];
        q.Send(MiniHttpServer.Request());
        server.Poll(h.Now);
        q.Absorb(h.Flush());
        Assert.Equal(MiniHttpServer.Response, q.Received.ToArray());
        Assert.Equal(reserved, h.Tcp.BufferBytesReserved);
        Assert.Equal(2100L * 4096, reserved);
    }

    [Fact]
    public void SlowlorisTricklersAreCutOffWhileGoodClientsAreServed()
    {
        using var h = new StackHarness(o => o with { MaxConnections = 256 });
        h.Tcp.Listen(80);
        var server = new MiniHttpServer(h.Tcp, 80, headerTimeoutMicroseconds: 5_000_000);
        h.Introduce();
        var slow = Enumerable.Range(0, 100).Select(i => new TcpTestPeer(h, (ushort)(10_000 + i))).ToList();
        foreach (var p in slow) p.Handshake();
        byte[] header = "GET / HTTP/1.1\r\nX-Slow: "u8.ToArray();
        int served = 0;
        for (int tick = 0; tick < 80; tick++) // 8 s in 100 ms steps: one byte per trickler per step
        {
            foreach (var p in slow.Where(p => !p.GotRst))
                p.Send(new[] { tick < header.Length ? header[tick] : (byte)'a' });
            server.Poll(h.Now);
            var frames = h.Flush();
            foreach (var p in slow) p.Absorb(frames);
            if (tick % 5 == 0)
            {
                GoodClientIsServed(h, server, (ushort)(9000 + tick));
                served++;
            }
            h.Advance(100_000);
        }
        server.Poll(h.Now);
        var left = h.Flush();
        foreach (var p in slow) p.Absorb(left);
        Assert.Equal(100, server.TimedOut);
        Assert.All(slow, p => Assert.True(p.GotRst, $"trickler {p.Port} was not cut off"));
        Assert.Equal(16, served);
        Assert.Equal(0, server.Open);
        Assert.True(h.Tcp.ConnectionsInUse <= 16); // only the good clients' TIME_WAITs
    }

    [Fact]
    public void AHundredKilobyteHeaderIsRefusedWithBoundedMemory()
    {
        using var h = new StackHarness(o => o with { MaxConnections = 16, ReceiveBufferBytes = 8192, SendBufferBytes = 8192 });
        h.Tcp.Listen(80);
        var server = new MiniHttpServer(h.Tcp, 80, maxHeaderBytes: 8192);
        h.Introduce();
        var big = new TcpTestPeer(h, 5000);
        big.Handshake();
        byte[] header = new byte[100 * 1024];
        "GET / HTTP/1.1\r\nX-Big: "u8.CopyTo(header);
        header.AsSpan(24).Fill((byte)'b');
        int sent = 0;
        long maxHeld = 0;
        while (sent < header.Length && !big.GotRst && !big.GotFin)
        {
            int n = Math.Min(Math.Min(big.ServerWindow, 1460), header.Length - sent);
            if (n == 0) break; // the window is shut and the server no longer reads
            big.Send(header.AsSpan(sent, n));
            sent += n;
            maxHeld = Math.Max(maxHeld, h.Tcp.BufferBytesHeld);
            server.Poll(h.Now);
            big.Absorb(h.Flush());
            maxHeld = Math.Max(maxHeld, h.Tcp.BufferBytesHeld);
        }
        Assert.Equal(1, server.RejectedTooLarge);
        Assert.True(sent < header.Length, "the server should stop the upload long before 100 KB");
        Assert.True(maxHeld <= 8192 + 8192, $"{maxHeld} bytes held for one connection");
        Assert.StartsWith("HTTP/1.1 431", System.Text.Encoding.ASCII.GetString(big.Received.ToArray()));
        // More of the header after the close earns a reset (the server will never read it).
        big.Send(header.AsSpan(sent, 100));
        big.Absorb(h.Flush());
        Assert.True(big.GotRst);
        GoodClientIsServed(h, server, 9000);
    }

    /// <summary>
    /// A random peer (seeded, so every case repeats): three connections that handshake, send data in and out of the
    /// window, FINs, RSTs at and near RCV.NXT, SYNs with other ISNs, ACKs of unsent data, windows that shut and open;
    /// the application accepts, reads, writes, shuts down, closes and aborts at random, and segments of the stack are
    /// lost; time jumps up to 3 s. Nothing may throw, the table stays within MaxConnections, and once the application
    /// has closed everything every slot is freed within the stack's own bounds (retransmission and probe limits,
    /// FIN_WAIT_2 and TIME_WAIT timers), whether the peer then goes silent, keeps acknowledging what it got, keeps
    /// answering with window 0, or answers with ACKs near but not at the right numbers.
    /// </summary>
    [Fact]
    public void AfterRandomPeerAndApplicationActionsEverySlotIsFreedOnceTheApplicationHasClosed()
    {
        const int Seeds = 400;
        for (int seed = 0; seed < Seeds; seed++) RandomPeerThenEveryConnectionClosed(seed);
    }

    static void RandomPeerThenEveryConnectionClosed(int seed)
    {
        var rng = new Random(seed);
        using var h = new StackHarness(o => o with { MaxRtoMicroseconds = 4_000_000, MaxConnections = 8, MaxHalfOpen = 4, DelayedAckMicroseconds = rng.Next(2) * 40_000 });
        h.Tcp.Listen(80);
        h.Introduce();
        var peers = Enumerable.Range(0, 3).Select(i => new TcpTestPeer(h, (ushort)(5000 + i))).ToArray();
        var owned = new List<TcpSocket>();
        var buffer = new byte[3000];
        for (int step = 0; step < 300; step++)
        {
            var p = peers[rng.Next(peers.Length)];
            switch (rng.Next(20))
            {
                case 0:
                    h.Deliver(p.Syn());
                    if (p.Mine(h.Flush()).FirstOrDefault(f => f.Has(Syn)) is { } synAck) p.RcvNxt = synAck.Seq + 1;
                    break;
                case 1: p.AckAll(); break;
                case 2: { var d = new byte[rng.Next(1, 2000)]; rng.NextBytes(d); p.Send(d); break; }
                case 3: p.SendFin(); break;
                case 4: h.Deliver(p.Segment(p.SndNxt + (uint)rng.Next(-3000, 3000), p.RcvNxt, Ack | Psh, new byte[rng.Next(0, 1000)])); break;
                case 5: h.Deliver(p.Segment(p.SndNxt + (uint)rng.Next(-2, 3), 0, Rst)); break;
                case 6: p.Window = (ushort)(rng.Next(3) == 0 ? 0 : rng.Next(0, 65536)); p.AckAll(); break;
                case 7: h.Deliver(p.Segment(p.SndNxt, p.RcvNxt + (uint)rng.Next(-5000, 5000), Ack)); break;
                case 8: p.Absorb(h.Flush()); p.AckAll(); break;
                case 9: h.Flush(); break;                                  // the stack's segments are lost
                case 10: h.Advance(rng.Next(0, 3_000_000)); p.Absorb(h.Tx.Drain()); break;
                case 11: while (h.Tcp.TryAccept(80, out var s)) owned.Add(s); break;
                case 12: foreach (var s in owned) Try(() => h.Tcp.Receive(s, buffer.AsSpan(0, rng.Next(1, buffer.Length)))); break;
                case 13: foreach (var s in owned) Try(() => h.Tcp.Send(s, buffer.AsSpan(0, rng.Next(1, buffer.Length)))); break;
                case 14: if (owned.Count > 0) { var s = owned[rng.Next(owned.Count)]; Try(() => h.Tcp.ShutdownSend(s)); } break;
                case 15:
                    if (owned.Count > 0)
                    {
                        int i = rng.Next(owned.Count);
                        var s = owned[i];
                        owned.RemoveAt(i);
                        bool abort = rng.Next(4) == 0;
                        Try(() => { if (abort) h.Tcp.Abort(s); else h.Tcp.Close(s); });
                    }
                    break;
                case 16: h.Deliver(p.Segment(p.Iss + (uint)rng.Next(0, 100_000), 0, Syn, default, MssOption((ushort)rng.Next(0, 2000)))); break;
                case 17: h.Deliver(p.Segment(p.SndNxt, p.RcvNxt, Ack | Fin, new byte[rng.Next(0, 100)])); p.SndNxt++; break; // the peer loses count of its data
                case 18: p.Absorb(h.Flush()); break;
                case 19: while (h.Tcp.TryGetReady(out _)) { } break;
            }
            Assert.True(h.Tcp.ConnectionsInUse <= 8, $"seed {seed}: {h.Tcp.ConnectionsInUse} connections in a table of 8");
        }
        while (h.Tcp.TryAccept(80, out var s)) owned.Add(s);
        foreach (var s in owned) Try(() => h.Tcp.Close(s));
        int mode = seed % 4; // 0 silent, 1 acknowledges what it took (window > 0), 2 window 0, 3 ACKs near the right numbers
        for (int t = 0; t < 2000 && h.Tcp.ConnectionsInUse > 0; t++)
        {
            h.Advance(1_000_000);
            h.Stack.Flush();
            var frames = h.Tx.Drain();
            if (mode != 0)
            {
                foreach (var q in peers)
                {
                    if (mode == 1 && q.Window > 0) q.Absorb(frames);
                    if (mode == 2) q.Window = 0;
                    if (mode == 3)
                    {
                        q.Window = (ushort)rng.Next(0, 3);
                        h.Deliver(q.Segment(q.SndNxt + (uint)rng.Next(-2, 3), q.RcvNxt + (uint)rng.Next(-2, 3), Ack));
                    }
                    else q.AckAll();
                }
            }
            while (h.Tcp.TryAccept(80, out var late)) h.Tcp.Close(late); // a handshake the answers completed
        }
        Assert.True(h.Tcp.ConnectionsInUse == 0, $"seed {seed} (peer mode {mode}): {h.Tcp.ConnectionsInUse} connections still in use ({h.Tcp.HalfOpen} half-open, {h.Tcp.TimeWait} in TIME_WAIT) 2,000 s after the application closed every one");
    }

    /// <summary>Runs an application call on a handle that the peer's actions may have ended (refused with InvalidOperationException).</summary>
    static void Try(Action call)
    {
        try { call(); }
        catch (InvalidOperationException) { }
    }
}

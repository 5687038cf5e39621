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
}

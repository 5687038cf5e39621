using static Multikernel.Tests.Net.TestFrames;

namespace Multikernel.Tests.Net;

/// <summary>Property tests of TCP's receive path against a reference byte stream.</summary>
public class TcpPropertyTests
{
    /// <summary>
    /// Property: whatever segments of a reference stream arrive (random cuts, losses, duplicates, any order, parts
    /// before RCV.NXT or beyond the window), and however little the application reads at a time, the receive buffer
    /// only ever releases a prefix of the reference stream, never holds more than its capacity, and delivers the whole
    /// stream once the sender keeps retransmitting from the acknowledged point.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 150)]
    public unsafe Property ReceiveBufferReassemblesAnyArrivalOrder()
    {
        var gen =
            from seed in Gen.Choose(0, int.MaxValue)
            from length in Gen.Choose(1, 20_000)
            from capacity in Gen.Choose(16, 4096)
            from lossPercent in Gen.Choose(0, 50)
            select (seed, length, capacity, lossPercent);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            byte[] stream = new byte[c.length];
            rng.NextBytes(stream);
            byte* mem = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)c.capacity);
            try
            {
                var rx = new TcpReceiveBuffer(mem, c.capacity);
                uint isn = (uint)rng.NextInt64(0, 1L << 32); // any start, so sequence numbers wrap in some cases
                rx.Reset(isn);
                var read = new List<byte>();
                var chunk = new byte[c.capacity];
                for (int round = 0; read.Count < c.length; round++)
                {
                    if (round > 100_000) return false.Label("no progress");
                    int acked = (int)(rx.Next - isn);
                    // A flight: segments from a little before the acknowledged point to a little beyond the window.
                    int from = Math.Max(0, acked - rng.Next(0, 64));
                    int to = Math.Min(c.length, acked + rx.Window + rng.Next(0, 64));
                    var flight = new List<(int Start, int Length)>();
                    for (int at = from; at < to;)
                    {
                        int len = Math.Min(rng.Next(1, 1461), to - at);
                        if (rng.Next(100) >= c.lossPercent) flight.Add((at, len));
                        if (rng.Next(100) < 10) flight.Add((at, len)); // duplicate
                        at += len;
                    }
                    if (rng.Next(2) == 0) Shuffle(flight, rng);
                    foreach (var (start, len) in flight)
                    {
                        uint before = rx.Next;
                        int advanced = rx.Accept(isn + (uint)start, stream.AsSpan(start, len));
                        if (rx.Next - before != (uint)advanced) return false.Label("Next moved by other than the advance");
                        if (rx.Unread > c.capacity || rx.Window < 0) return false.Label("over capacity");
                    }
                    int want = rng.Next(0, c.capacity + 1);
                    int n = rx.Read(chunk.AsSpan(0, want));
                    read.AddRange(chunk.AsSpan(0, n).ToArray());
                    for (int i = read.Count - n; i < read.Count; i++)
                        if (read[i] != stream[i]) return false.Label($"byte {i} differs from the reference");
                }
                return (read.Count == c.length).Label("the whole stream was delivered");
            }
            finally { System.Runtime.InteropServices.NativeMemory.Free(mem); }
        });
    }

    /// <summary>
    /// Property, end to end through frames: a peer sends a reference stream to the stack in random segments with
    /// random loss, duplication and reordering; the application reads random amounts and echoes what it reads; the
    /// stack's own frames are lost at random too, so its retransmission timer (driven by a test clock) and the
    /// peer's go-back-N both have to work, with the delayed ACK off, short or long. The peer receives exactly the
    /// reference stream back, in order.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 60)]
    public Property EchoOverALossyReorderingLinkReturnsTheReferenceStream()
    {
        var gen =
            from seed in Gen.Choose(0, int.MaxValue)
            from length in Gen.Choose(1, 30_000)
            from lossPercent in Gen.Choose(0, 25)
            from receiveBuffer in Gen.Choose(1460, 8192)
            from sendBuffer in Gen.Choose(1460, 16384)
            from delayedAck in Gen.Elements(0L, 500L, 200_000L)
            select (seed, length, lossPercent, receiveBuffer, sendBuffer, delayedAck);
        return Prop.ForAll(gen.ToArbitrary(), c => EchoRun(c.seed, c.length, c.lossPercent, c.receiveBuffer, c.sendBuffer, c.delayedAck));
    }

    static bool EchoRun(int seed, int length, int lossPercent, int receiveBuffer, int sendBuffer, long delayedAck)
    {
        var rng = new Random(seed);
        byte[] stream = new byte[length];
        rng.NextBytes(stream);
        using var h = new StackHarness(o => o with
        {
            ReceiveBufferBytes = receiveBuffer, SendBufferBytes = sendBuffer, IsnSeed = (ulong)seed + 1,
            MaxRetransmissions = 30, MaxRtoMicroseconds = 2_000_000, DelayedAckMicroseconds = delayedAck,
        });
        h.Tcp.Listen(80);
        h.Introduce();
        var p = new TcpTestPeer(h, 5000, iss: (uint)rng.NextInt64(0, 1L << 32));
        p.Handshake();
        if (!h.Tcp.TryAccept(80, out var s)) throw new Xunit.Sdk.XunitException("no connection to accept");

        uint peerIss = p.SndNxt;
        int peerAcked = 0;                 // bytes of the stream the stack has acknowledged
        int window = p.ServerWindow;
        var echo = new List<byte>();       // what came back, in order
        var appBuffer = new Queue<byte>(); // read by the application, not yet taken by Send
        var chunk = new byte[16384];

        for (int round = 0; echo.Count < length; round++)
        {
            if (round > 50_000) throw new Xunit.Sdk.XunitException($"no progress after {round} rounds: acked {peerAcked}/{length}, echoed {echo.Count}");
            // Peer sends from the acknowledged point: at least one byte (a probe when the window is shut).
            if (peerAcked < length)
            {
                int end = Math.Min(length, peerAcked + Math.Max(window, 1));
                var flight = new List<byte[]>();
                for (int at = peerAcked; at < end;)
                {
                    int len = Math.Min(rng.Next(1, 1461), end - at);
                    byte[] seg = p.Segment(peerIss + (uint)at, p.RcvNxt, Ack | Psh, stream.AsSpan(at, len));
                    if (rng.Next(100) >= lossPercent) flight.Add(seg);
                    if (rng.Next(100) < 5) flight.Add(seg);
                    at += len;
                }
                if (rng.Next(3) == 0) Shuffle(flight, rng);
                foreach (var f in flight) h.Deliver(f);
            }
            // The application reads some and echoes what it has read.
            int n = h.Tcp.Receive(s, chunk.AsSpan(0, rng.Next(0, chunk.Length)));
            for (int i = 0; i < n; i++) appBuffer.Enqueue(chunk[i]);
            if (appBuffer.Count > 0)
            {
                byte[] pending = appBuffer.ToArray();
                int taken = h.Tcp.Send(s, pending);
                for (int i = 0; i < taken; i++) appBuffer.Dequeue();
            }
            // The stack's frames cross the lossy link back.
            foreach (var f in p.Mine(h.Flush()))
            {
                if (rng.Next(100) < lossPercent) continue;
                if (!f.IpChecksumOk || !f.L4ChecksumOk) throw new Xunit.Sdk.XunitException($"bad checksum on {f}");
                if (f.Has(Rst)) throw new Xunit.Sdk.XunitException("the stack reset the connection");
                int ackedNow = (int)(f.AckNumber - peerIss);
                if (ackedNow > peerAcked) peerAcked = ackedNow;
                window = f.Window;
                var payload = f.TcpPayload;
                if (f.Seq == p.RcvNxt && payload.Length > 0)
                {
                    echo.AddRange(payload.ToArray());
                    p.RcvNxt += (uint)payload.Length;
                }
            }
            p.SndNxt = peerIss + (uint)peerAcked;
            if (rng.Next(100) >= lossPercent) p.AckAll();      // the peer acknowledges what it has (maybe lost)
            h.Advance(rng.Next(1_000, 300_000));               // time passes: the stack's timers run
        }
        for (int i = 0; i < length; i++)
            if (echo[i] != stream[i]) throw new Xunit.Sdk.XunitException($"echo byte {i} differs (seed {seed})");
        return echo.Count == length && h.Tcp.State(s) == TcpState.Established;
    }

    static void Shuffle<T>(List<T> list, Random rng)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}

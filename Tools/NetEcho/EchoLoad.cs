using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Multikernel.Drivers;

namespace NetEcho;

/// <summary>
/// Closed-loop UDP echo load from the far side of the wire: <c>flows</c> connected non-blocking sockets (created in
/// the far namespace by the caller), each keeping <c>window</c> datagrams in flight; a reply is checked (length,
/// flow, payload) and answered by the next datagram of its flow. A flow silent for 200 ms gets a fresh datagram (its
/// window shrank by a loss). One thread; it blocks in poll(2) for at most 1 ms when no reply is waiting.
/// </summary>
public static unsafe class EchoLoad
{
    const int Header = 20; // flow (4), sequence (8), send timestamp (8)

    public static EchoLoadResult Run(Socket[] flows, int payload, int window, TimeSpan warmup, TimeSpan measure)
    {
        int n = flows.Length;
        var fds = flows.Select(s => (int)s.Handle).ToArray();
        var seq = new long[n];
        var lastReply = new long[n];
        var tx = new byte[payload];
        var rx = new byte[payload + 1];
        for (int i = Header; i < payload; i++) tx[i] = (byte)(i * 31 + 7);
        var rtt = new double[1 << 20];
        int samples = 0;
        long sent = 0, received = 0, corrupt = 0, sentAtStart = 0;
        long start = Stopwatch.GetTimestamp();
        long measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        long measureTo = measureFrom + (long)(measure.TotalSeconds * Stopwatch.Frequency);
        long silence = Stopwatch.Frequency / 5;
        bool measuring = false;
        long receivedAtStart = 0;
        var polls = new SocketCalls.PollFd[n];
        for (int f = 0; f < n; f++) polls[f] = new SocketCalls.PollFd { Fd = fds[f], Events = SocketCalls.POLLIN };
        fixed (byte* txp = tx, rxp = rx)
        fixed (SocketCalls.PollFd* poll = polls)
        {
            for (int f = 0; f < n; f++)
            {
                for (int w = 0; w < window; w++) if (Send(fds[f], f, ref seq[f], tx, txp)) sent++;
                lastReply[f] = start;
            }
            while (true)
            {
                long now = Stopwatch.GetTimestamp();
                if (!measuring && now >= measureFrom) { measuring = true; receivedAtStart = received; sentAtStart = sent; measureFrom = now; }
                if (now >= measureTo) break;
                bool progress = false;
                for (int f = 0; f < n; f++)
                {
                    int r = SocketCalls.TryReceive(fds[f], rxp, rx.Length);
                    if (r < 0)
                    {
                        if (now - lastReply[f] > silence) { if (Send(fds[f], f, ref seq[f], tx, txp)) sent++; lastReply[f] = now; }
                        continue;
                    }
                    progress = true;
                    received++;
                    lastReply[f] = now;
                    if (r != payload || BinaryPrimitives.ReadInt32LittleEndian(rx) != f || !rx.AsSpan(Header, payload - Header).SequenceEqual(tx.AsSpan(Header, payload - Header)))
                        corrupt++;
                    else if (measuring && samples < rtt.Length)
                        rtt[samples++] = (Stopwatch.GetTimestamp() - BinaryPrimitives.ReadInt64LittleEndian(rx.AsSpan(12))) * 1e6 / Stopwatch.Frequency;
                    if (Send(fds[f], f, ref seq[f], tx, txp)) sent++;
                }
                if (!progress) SocketCalls.Poll(poll, n, 1);
            }
        }
        double seconds = (double)(measureTo - measureFrom) / Stopwatch.Frequency;
        return new EchoLoadResult(sent - sentAtStart, received - receivedAtStart, corrupt, seconds, rtt.AsSpan(0, samples).ToArray());
    }

    static bool Send(int fd, int flow, ref long seq, byte[] tx, byte* txp)
    {
        BinaryPrimitives.WriteInt32LittleEndian(tx, flow);
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(4), seq);
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(12), Stopwatch.GetTimestamp());
        if (SocketCalls.TrySend(fd, txp, tx.Length) != tx.Length) return false;
        seq++;
        return true;
    }

    /// <summary>Connected non-blocking UDP sockets to <paramref name="server"/>, made in the calling thread's namespace.</summary>
    public static Socket[] Connect(IPAddress from, IPEndPoint server, int count) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(from, 0));
            s.Connect(server);
            s.Blocking = false;
            return s;
        }).ToArray();
}

using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Multikernel.Drivers;
using Multikernel.Hardware;
using Multikernel.Net.Wire;

namespace IOWebserver;

/// <summary>
/// The UDP load generator: one thread pinned to each of its cores, each with a connected non-blocking socket per flow
/// of its own (drained without blocking; when none has a reply the thread blocks in poll(2) for at most 1 ms), a closed
/// loop of <c>Window</c> datagrams in flight per flow (a datagram the socket refuses is owed and sent again until taken). The threads create their sockets, wait for each other, then run
/// together; the run's time is from the first thread's first send to the last thread's last reply, and its counts and
/// latencies are all threads' together. It stops sending at the duration or the packet bound, whichever comes
/// first, then collects the outstanding replies; a run that hears nothing for <see cref="ReplyTimeout"/> ends (the rest
/// count as lost), except before its first reply, which may take up to <see cref="FirstReplyTimeout"/> (a server thread
/// just started, neighbour resolution on a wire just made, a loaded machine). Datagram i of a flow carries (flow, i, send TSC) and a payload pattern that depends on i,
/// so a reply that is late, duplicated, from another flow or altered is caught.
/// </summary>
public static unsafe class UdpLoadGenerator
{
    public const int MaxLatencySamples = 1 << 21;
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan FirstReplyTimeout = TimeSpan.FromSeconds(10);
    /// <summary>How long a run waits for the answer to its first datagram before it opens every flow's window anyway.</summary>
    public static readonly TimeSpan PrimeTimeout = TimeSpan.FromMilliseconds(100);
    const int Patterns = 256;

    public static UdpLoadResult Run(UdpLoadSettings s) => Run(s, &SocketCalls.TrySend);

    /// <param name="send">Sends one datagram on a connected socket: the bytes sent, or -1 when the socket refused it for
    /// now (<see cref="SocketCalls.TrySend"/>; a test passes one that refuses some).</param>
    internal static UdpLoadResult Run(UdpLoadSettings s, delegate*<int, byte*, int, int> send)
    {
        if (s.PayloadBytes < UdpLoadSettings.MinPayload || s.PayloadBytes > UdpLoadSettings.MaxPayload)
            throw new ArgumentOutOfRangeException(nameof(s), s.PayloadBytes, $"payload must be {UdpLoadSettings.MinPayload} to {UdpLoadSettings.MaxPayload} bytes");
        if (s.Flows < 1 || s.Window < 1) throw new ArgumentOutOfRangeException(nameof(s), "flows and window must be at least 1");
        if (s.Cores.Count < 1) throw new ArgumentException("the generator needs at least one core", nameof(s));
        int threads = s.Threads;
        var parts = new ThreadRun?[threads];
        var faults = new Exception?[threads];
        using var ready = new Barrier(threads);
        var arrived = new bool[threads];
        var workers = new Thread[threads];
        for (int k = 0; k < threads; k++)
        {
            int index = k, core = s.Cores[k];
            // Flow f belongs to thread f mod threads; the packet bound and the latency sample's size are shared out the same way.
            int[] flows = Enumerable.Range(0, s.Flows).Where(f => f % threads == index).ToArray();
            long maxPackets = s.MaxPackets / threads + (index < s.MaxPackets % threads ? 1 : 0);
            workers[k] = new Thread(() =>
            {
                try
                {
                    ThreadRun Body()
                    {
                        CoreAffinity.PinCurrentThread(core);
                        return Loop(s, flows, maxPackets, Math.Max(1, s.LatencySamples / threads), send, () =>
                        {
                            arrived[index] = true;
                            ready.SignalAndWait(FirstReplyTimeout);
                        });
                    }
                    parts[index] = s.Namespace == null ? Body() : NetNamespace.Run(s.Namespace, Body);
                }
                catch (Exception e)
                {
                    faults[index] = e;
                    if (!arrived[index]) ready.RemoveParticipant(); // the others must not wait for a thread that failed before the start
                }
            }) { Name = $"udp-load-{core}", IsBackground = true };
        }
        foreach (var w in workers) w.Start();
        var until = DateTime.UtcNow + s.Duration + TimeSpan.FromSeconds(30);
        foreach (var w in workers)
            if (!w.Join(until - DateTime.UtcNow > TimeSpan.Zero ? until - DateTime.UtcNow : TimeSpan.Zero))
                throw new TimeoutException("UDP load generator did not finish");
        if (faults.FirstOrDefault(f => f != null) is { } fault) throw new InvalidOperationException($"UDP load generator failed: {fault.Message}", fault);
        var runs = parts.Select(p => p!).ToArray();
        long start = runs.Min(r => r.Start), lastReply = runs.Max(r => r.LastReply);
        return new UdpLoadResult
        {
            Sent = runs.Sum(r => r.Sent), Received = runs.Sum(r => r.Received),
            OutOfOrder = runs.Sum(r => r.OutOfOrder), Corrupt = runs.Sum(r => r.Corrupt),
            Seconds = (double)(lastReply - start) / Stopwatch.Frequency,
            LatencyNs = LatencyReservoir.Merge(runs.Select(r => (r.LatencyNs, r.Received)).ToArray(), seed: (ulong)runs.Sum(r => r.Received)),
        };
    }

    /// <summary>One thread's share of a run: its counts, its first send and last reply (Stopwatch ticks), its latencies
    /// (a sample of one per reply received, <see cref="LatencyReservoir"/>).</summary>
    sealed record ThreadRun(long Sent, long Received, long OutOfOrder, long Corrupt, long Start, long LastReply, double[] LatencyNs);

    /// <param name="flowIds">This thread's flows (their ids travel in the datagrams).</param>
    /// <param name="startTogether">Called once the sockets exist; returns when every thread's do (or after a timeout).</param>
    static ThreadRun Loop(UdpLoadSettings s, int[] flowIds, long maxPackets, int maxSamples, delegate*<int, byte*, int, int> send, Action startTogether)
    {
        int payload = s.PayloadBytes;
        int flowCount = flowIds.Length;
        var sockets = new Socket[flowCount];
        var fds = new int[flowCount];
        var nextSend = new long[flowCount];
        var nextExpect = new long[flowCount];
        var patterns = new byte[Patterns][];
        for (int p = 0; p < Patterns; p++)
        {
            patterns[p] = new byte[payload];
            for (int i = UdpLoadSettings.HeaderBytes; i < payload; i++) patterns[p][i] = (byte)(i * 7 + p * 13 + 1);
        }
        var latency = new LatencyReservoir((int)Math.Min(maxSamples, Math.Max(1, maxPackets)), (ulong)(flowIds.Length > 0 ? flowIds[0] + 1 : 1) * 0x9E3779B97F4A7C15UL);
        byte[] tx = new byte[payload], rx = new byte[payload + 1];
        long sent = 0, received = 0, outOfOrder = 0, corrupt = 0;
        try
        {
            for (int f = 0; f < flowCount; f++)
            {
                sockets[f] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                sockets[f].Connect(new IPEndPoint(s.Address, s.Port));
                fds[f] = (int)sockets[f].Handle;
            }
            startTogether();
            long start = Stopwatch.GetTimestamp();
            long deadline = start + (long)(s.Duration.TotalSeconds * Stopwatch.Frequency);
            long timeout = (long)(ReplyTimeout.TotalSeconds * Stopwatch.Frequency);
            long firstTimeout = (long)(FirstReplyTimeout.TotalSeconds * Stopwatch.Frequency);
            long lastReply = start, lastProgress = start;
            var waits = new SocketCalls.PollFd[flowCount];
            for (int f = 0; f < flowCount; f++) waits[f] = new SocketCalls.PollFd { Fd = fds[f], Events = SocketCalls.POLLIN };
            fixed (byte* txp = tx, rxp = rx)
            fixed (SocketCalls.PollFd* wait = waits)
            {
                // One datagram first, and the windows only once it is answered (or after PrimeTimeout, for a server that
                // answers late or not at all): on a wire just made, the client kernel queues datagrams until it knows the
                // server's MAC and flushes that queue from the CPU that took the ARP reply, while this thread may already
                // send past it, so datagrams of one flow could pass each other before they reach the server. One
                // answered datagram resolves the address for every flow.
                if (maxPackets > 0 && SendNext(send, fds[0], flowIds[0], ref nextSend[0], tx, txp, patterns)) sent++;
                long primeUntil = start + (long)(PrimeTimeout.TotalSeconds * Stopwatch.Frequency);
                bool opened = false;
                bool sending = true;
                // Owed: per flow, datagrams of its window that are due (a reply came back, or the window opened) and not yet sent.
                var owed = new long[flowCount];
                long owedTotal = 0;
                while (received < sent || sending && (!opened || owedTotal > 0 && sent < maxPackets))
                {
                    bool progress = false;
                    for (int f = 0; f < flowCount; f++)
                    {
                        int n = SocketCalls.TryReceive(fds[f], rxp, rx.Length);
                        if (n < 0) continue;
                        ulong now = CycleClock.Now();
                        progress = true;
                        received++;
                        long seq = BinaryPrimitives.ReadInt64LittleEndian(rx.AsSpan(8));
                        int flow = BinaryPrimitives.ReadInt32LittleEndian(rx);
                        if (n != payload || flow != flowIds[f] || !rx.AsSpan(UdpLoadSettings.HeaderBytes, payload - UdpLoadSettings.HeaderBytes)
                                .SequenceEqual(patterns[(int)(seq & (Patterns - 1))].AsSpan(UdpLoadSettings.HeaderBytes)))
                            corrupt++;
                        else if (seq != nextExpect[f]) outOfOrder++;
                        nextExpect[f] = seq + 1;
                        latency.Add(CycleClock.ToNanoseconds(now - BinaryPrimitives.ReadUInt64LittleEndian(rx.AsSpan(16))));
                        if (sending)
                        {
                            owed[f]++;
                            owedTotal++;
                            long k = SendOwed(send, fds[f], flowIds[f], ref nextSend[f], ref owed[f], maxPackets - sent, tx, txp, patterns);
                            sent += k;
                            owedTotal -= k;
                        }
                    }
                    long t = Stopwatch.GetTimestamp();
                    if (!opened && sending && (received > 0 || t >= primeUntil))
                    {
                        opened = true;
                        for (int g = 0; g < flowCount; g++)
                        {
                            long open = s.Window - (nextSend[g] - nextExpect[g]);
                            if (open > 0) { owed[g] += open; owedTotal += open; }
                        }
                    }
                    // Datagrams a socket refused (full send buffer) are sent as soon as it takes them, so that every flow
                    // keeps its window: a refused send is not a reply that never comes back.
                    if (opened && sending && owedTotal > 0)
                        for (int g = 0; g < flowCount && sent < maxPackets; g++)
                        {
                            if (owed[g] == 0) continue;
                            long k = SendOwed(send, fds[g], flowIds[g], ref nextSend[g], ref owed[g], maxPackets - sent, tx, txp, patterns);
                            sent += k;
                            owedTotal -= k;
                        }
                    if (progress) { lastReply = t; lastProgress = t; }
                    else if (t - lastProgress > (received == 0 ? firstTimeout : timeout)) break;
                    // Nothing arrived: block in poll(2) (as wrk blocks in epoll) so that a server sharing this core can run.
                    else SocketCalls.Poll(wait, flowCount, 1);
                    if (sending && t >= deadline) sending = false;
                }
            }
            return new ThreadRun(sent, received, outOfOrder, corrupt, start, lastReply, latency.ToArray());
        }
        finally
        {
            foreach (var sock in sockets) sock?.Dispose();
        }
    }

    /// <summary>Sends up to <paramref name="owed"/> (at most <paramref name="room"/>) datagrams of a flow in order, until
    /// its socket refuses one; returns how many were sent, which are no longer owed.</summary>
    static long SendOwed(delegate*<int, byte*, int, int> send, int fd, int flow, ref long seq, ref long owed, long room, byte[] tx, byte* txp, byte[][] patterns)
    {
        long k = 0;
        while (owed > 0 && k < room && SendNext(send, fd, flow, ref seq, tx, txp, patterns)) { owed--; k++; }
        return k;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool SendNext(delegate*<int, byte*, int, int> send, int fd, int flow, ref long seq, byte[] tx, byte* txp, byte[][] patterns)
    {
        patterns[(int)(seq & (Patterns - 1))].AsSpan(UdpLoadSettings.HeaderBytes).CopyTo(tx.AsSpan(UdpLoadSettings.HeaderBytes));
        BinaryPrimitives.WriteInt32LittleEndian(tx, flow);
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(8), seq);
        BinaryPrimitives.WriteUInt64LittleEndian(tx.AsSpan(16), CycleClock.Now());
        // A socket with a full send buffer refuses the datagram: it was not sent, so it is not counted (the caller still owes it).
        if (send(fd, txp, tx.Length) != tx.Length) return false;
        seq++;
        return true;
    }
}

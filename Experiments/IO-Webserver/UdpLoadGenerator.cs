using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Multikernel.Drivers;
using Multikernel.Hardware;
using Multikernel.Net.Wire;

namespace IOWebserver;

/// <summary>What one load run asks for.</summary>
/// <param name="Flows">Client sockets (flows); each keeps <paramref name="Window"/> datagrams outstanding (closed loop).</param>
/// <param name="MaxPackets">Upper bound on datagrams sent in the run, whatever the duration.</param>
/// <param name="Core">CPU the generator thread is pinned to.</param>
public sealed record UdpLoadSettings(int Port, int PayloadBytes, int Flows, int Window, TimeSpan Duration, long MaxPackets, int Core)
{
    /// <summary>Flow id, sequence number and send timestamp travel in the first bytes of every datagram.</summary>
    public const int HeaderBytes = 24;
    public const int MinPayload = HeaderBytes, MaxPayload = 8192;
    /// <summary>The server's address (127.0.0.1 unless the series runs on the veth wire).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;
    /// <summary>The network namespace the generator's sockets are made in (null: this process's own; the far namespace on the veth wire).</summary>
    public string? Namespace { get; init; }
}

/// <summary>What one load run saw. Every reply is checked: right length, right flow, next sequence of its flow, payload intact.</summary>
public sealed class UdpLoadResult
{
    public long Sent { get; init; }
    public long Received { get; init; }
    public long OutOfOrder { get; init; }
    public long Corrupt { get; init; }
    /// <summary>From the first send to the last reply.</summary>
    public double Seconds { get; init; }
    /// <summary>Round-trip time of each reply (ns), in arrival order; at most <see cref="UdpLoadGenerator.MaxLatencySamples"/>.</summary>
    public required double[] LatencyNs { get; init; }
    public long Lost => Sent - Received;
    public bool Clean => Lost == 0 && OutOfOrder == 0 && Corrupt == 0 && Received > 0;
    public double PacketsPerSecond => Seconds > 0 ? Received / Seconds : 0;

    public double Percentile(double q)
    {
        if (LatencyNs.Length == 0) return double.NaN;
        var sorted = (double[])LatencyNs.Clone();
        Array.Sort(sorted);
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(q * sorted.Length))];
    }

    public string Describe() =>
        $"sent {Sent}, received {Received}, lost {Lost}, out of order {OutOfOrder}, corrupt {Corrupt} in {Seconds:0.000} s";
}

/// <summary>
/// The UDP load generator: one thread pinned to one core, a connected non-blocking socket per flow (drained without
/// blocking; when none has a reply the thread blocks in poll(2) for at most 1 ms), a closed loop of
/// <c>Window</c> datagrams in flight per flow. It stops sending at the duration or the packet bound, whichever comes
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

    public static UdpLoadResult Run(UdpLoadSettings s)
    {
        if (s.PayloadBytes < UdpLoadSettings.MinPayload || s.PayloadBytes > UdpLoadSettings.MaxPayload)
            throw new ArgumentOutOfRangeException(nameof(s), s.PayloadBytes, $"payload must be {UdpLoadSettings.MinPayload} to {UdpLoadSettings.MaxPayload} bytes");
        if (s.Flows < 1 || s.Window < 1) throw new ArgumentOutOfRangeException(nameof(s), "flows and window must be at least 1");
        UdpLoadResult? result = null;
        Exception? fault = null;
        var t = new Thread(() =>
        {
            try
            {
                UdpLoadResult Body()
                {
                    CoreAffinity.PinCurrentThread(s.Core);
                    return Loop(s);
                }
                result = s.Namespace == null ? Body() : NetNamespace.Run(s.Namespace, Body);
            }
            catch (Exception e) { fault = e; }
        }) { Name = $"udp-load-{s.Core}", IsBackground = true };
        t.Start();
        if (!t.Join(s.Duration + TimeSpan.FromSeconds(30))) throw new TimeoutException("UDP load generator did not finish");
        if (fault != null) throw new InvalidOperationException($"UDP load generator failed: {fault.Message}", fault);
        return result!;
    }

    static UdpLoadResult Loop(UdpLoadSettings s)
    {
        int payload = s.PayloadBytes;
        var sockets = new Socket[s.Flows];
        var fds = new int[s.Flows];
        var nextSend = new long[s.Flows];
        var nextExpect = new long[s.Flows];
        var patterns = new byte[Patterns][];
        for (int p = 0; p < Patterns; p++)
        {
            patterns[p] = new byte[payload];
            for (int i = UdpLoadSettings.HeaderBytes; i < payload; i++) patterns[p][i] = (byte)(i * 7 + p * 13 + 1);
        }
        var latency = new double[(int)Math.Min(MaxLatencySamples, Math.Max(1, s.MaxPackets))];
        int samples = 0;
        byte[] tx = new byte[payload], rx = new byte[payload + 1];
        long sent = 0, received = 0, outOfOrder = 0, corrupt = 0;
        try
        {
            for (int f = 0; f < s.Flows; f++)
            {
                sockets[f] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                sockets[f].Connect(new IPEndPoint(s.Address, s.Port));
                fds[f] = (int)sockets[f].Handle;
            }
            long start = Stopwatch.GetTimestamp();
            long deadline = start + (long)(s.Duration.TotalSeconds * Stopwatch.Frequency);
            long timeout = (long)(ReplyTimeout.TotalSeconds * Stopwatch.Frequency);
            long firstTimeout = (long)(FirstReplyTimeout.TotalSeconds * Stopwatch.Frequency);
            long lastReply = start, lastProgress = start;
            var waits = new SocketCalls.PollFd[s.Flows];
            for (int f = 0; f < s.Flows; f++) waits[f] = new SocketCalls.PollFd { Fd = fds[f], Events = SocketCalls.POLLIN };
            fixed (byte* txp = tx, rxp = rx)
            fixed (SocketCalls.PollFd* wait = waits)
            {
                // One datagram first, and the windows only once it is answered (or after PrimeTimeout, for a server that
                // answers late or not at all): on a wire just made, the client kernel queues datagrams until it knows the
                // server's MAC and flushes that queue from the CPU that took the ARP reply, while this thread may already
                // send past it, so datagrams of one flow could pass each other before they reach the server. One
                // answered datagram resolves the address for every flow.
                if (s.MaxPackets > 0 && SendNext(fds[0], 0, ref nextSend[0], tx, txp, patterns)) sent++;
                long primeUntil = start + (long)(PrimeTimeout.TotalSeconds * Stopwatch.Frequency);
                bool opened = false;
                bool sending = true;
                while (received < sent || !opened && sending)
                {
                    bool progress = false;
                    for (int f = 0; f < s.Flows; f++)
                    {
                        int n = SocketCalls.TryReceive(fds[f], rxp, rx.Length);
                        if (n < 0) continue;
                        ulong now = CycleClock.Now();
                        progress = true;
                        received++;
                        long seq = BinaryPrimitives.ReadInt64LittleEndian(rx.AsSpan(8));
                        int flow = BinaryPrimitives.ReadInt32LittleEndian(rx);
                        if (n != payload || flow != f || !rx.AsSpan(UdpLoadSettings.HeaderBytes, payload - UdpLoadSettings.HeaderBytes)
                                .SequenceEqual(patterns[(int)(seq & (Patterns - 1))].AsSpan(UdpLoadSettings.HeaderBytes)))
                            corrupt++;
                        else if (seq != nextExpect[f]) outOfOrder++;
                        nextExpect[f] = seq + 1;
                        if (samples < latency.Length)
                            latency[samples++] = CycleClock.ToNanoseconds(now - BinaryPrimitives.ReadUInt64LittleEndian(rx.AsSpan(16)));
                        if (sending && sent < s.MaxPackets && SendNext(fds[f], f, ref nextSend[f], tx, txp, patterns)) sent++;
                    }
                    long t = Stopwatch.GetTimestamp();
                    if (!opened && sending && (received > 0 || t >= primeUntil))
                    {
                        opened = true;
                        for (int g = 0; g < s.Flows; g++)
                            for (long w = nextSend[g] - nextExpect[g]; w < s.Window && sent < s.MaxPackets; w++)
                                if (SendNext(fds[g], g, ref nextSend[g], tx, txp, patterns)) sent++;
                    }
                    if (progress) { lastReply = t; lastProgress = t; }
                    else if (t - lastProgress > (received == 0 ? firstTimeout : timeout)) break;
                    // Nothing arrived: block in poll(2) (as wrk blocks in epoll) so that a server sharing this core can run.
                    else SocketCalls.Poll(wait, s.Flows, 1);
                    if (sending && t >= deadline) sending = false;
                }
            }
            return new UdpLoadResult
            {
                Sent = sent, Received = received, OutOfOrder = outOfOrder, Corrupt = corrupt,
                Seconds = (double)(lastReply - start) / Stopwatch.Frequency,
                LatencyNs = latency.AsSpan(0, samples).ToArray(),
            };
        }
        finally
        {
            foreach (var sock in sockets) sock?.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool SendNext(int fd, int flow, ref long seq, byte[] tx, byte* txp, byte[][] patterns)
    {
        patterns[(int)(seq & (Patterns - 1))].AsSpan(UdpLoadSettings.HeaderBytes).CopyTo(tx.AsSpan(UdpLoadSettings.HeaderBytes));
        BinaryPrimitives.WriteInt32LittleEndian(tx, flow);
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(8), seq);
        BinaryPrimitives.WriteUInt64LittleEndian(tx.AsSpan(16), CycleClock.Now());
        // A loopback socket with a full send buffer refuses the datagram: it was not sent, so do not count it.
        if (!SocketCalls.TrySend(fd, txp, tx.Length).Equals(tx.Length)) return false;
        seq++;
        return true;
    }
}

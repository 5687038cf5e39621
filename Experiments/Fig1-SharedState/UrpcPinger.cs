using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// Core A: per repetition a batch of round trips (timed as a whole: <see cref="PairLoops.RoundTrips"/>), then stamped
/// pings for the one-way latency, then streams messages to B.
/// </summary>
public sealed class UrpcPinger(UrpcEndpoint b, SweepSize size, IMeasurementOutcome<PairSideReport> outcome)
    : UrpcPairSide("urpc-pinger", b, size, outcome)
{
    protected override bool ReportsRoundTrips => true;

    protected override double RoundTrips(int rep, int count, bool warmup) => (double)PairLoops.RoundTrips(Peer.Sender, Peer.Receiver, count) / count;

    protected override double OneWay(int rep, int count, bool warmup) => (double)(long)Stamped(rep, count, warmup) / count;

    protected override double Stream(int rep, int count, bool warmup)
    {
        SendStream(rep, count, warmup);
        return double.NaN; // B times the stream
    }

    /// <summary>Stamped pings: each carries A's TSC before the send; returns the sum over the pongs of (A's TSC on arrival - B's stamp).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    ulong Stamped(int rep, int count, bool warm)
    {
        ulong backSum = 0;
        var guard = new StallGuard();
        for (int i = 0; i < count; i++)
        {
            Peer.Sender.Send(new PairProtocol.Ping(CycleClock.Now(), rep, warm));
            UrpcMessage m;
            while (!Peer.Receiver.TryReceive(out m))
            {
                PairLoops.Pause();
                guard.Spin("a pong");
            }
            ulong t2 = CycleClock.Now();
            guard.Progress();
            if (m.Type != PairProtocol.Pong.TypeId) throw new InvalidDataException($"pinger expected a pong, got type {m.Type}");
            backSum += t2 - PairProtocol.Pong.Decode(in m).SentAt; // wraps to a small negative number if B's TSC runs ahead; cast back when averaged
        }
        return backSum;
    }

    /// <summary>Streams <paramref name="count"/> messages to B and waits for its acknowledgment of all of them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    void SendStream(int rep, int count, bool warm)
    {
        var guard = new StallGuard();
        for (int i = 0; i < count; i++) Peer.Sender.Send(new PairProtocol.Stream(i, warm));
        UrpcMessage m;
        while (!Peer.Receiver.TryReceive(out m))
        {
            PairLoops.Pause();
            guard.Spin("the end of a stream");
        }
        if (m.Type != PairProtocol.StreamDone.TypeId || PairProtocol.StreamDone.Decode(in m).Count != count)
            throw new InvalidDataException($"stream {rep}: receiver acknowledged type {m.Type} count {m[0]}, expected {count} messages");
    }
}

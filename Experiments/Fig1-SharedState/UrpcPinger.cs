using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// Core A: per repetition a batch of round trips (timed as a whole: <see cref="PairLoops.RoundTrips"/>), then stamped
/// pings for the one-way latency, then streams messages to B.
/// </summary>
public sealed class UrpcPinger : GatedMeasurement<PairSideReport>
{
    readonly UrpcEndpoint _b;
    readonly SweepSize _size;

    public UrpcPinger(UrpcEndpoint b, SweepSize size, IMeasurementOutcome<PairSideReport> outcome) : base("urpc-pinger", outcome)
    {
        _b = b;
        _size = size;
    }

    protected override PairSideReport Measure()
    {
        int reps = _size.Repetitions;
        var rtt = new double[reps];
        var bToA = new double[reps];
        var dLat = new bool[reps];
        var dStream = new bool[reps];
        for (int r = 0; r < reps; r++)
        {
            PairLoops.RoundTrips(_b.Sender, _b.Receiver, _size.Warmup);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            rtt[r] = (double)PairLoops.RoundTrips(_b.Sender, _b.Receiver, _size.Iterations) / _size.Iterations;
            dLat[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        for (int r = 0; r < reps; r++)
        {
            Stamped(r, _size.Warmup, true);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            bToA[r] = (double)(long)Stamped(r, _size.Iterations, false) / _size.Iterations;
            dLat[r] |= ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        for (int r = 0; r < reps; r++)
        {
            Stream(r, _size.Warmup, true);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            Stream(r, _size.Iterations, false);
            dStream[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        return new PairSideReport { Latency = bToA, Other = rtt, DisturbedLatency = dLat, DisturbedStream = dStream };
    }

    /// <summary>Stamped pings: each carries A's TSC before the send; returns the sum over the pongs of (A's TSC on arrival - B's stamp).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    ulong Stamped(int rep, int count, bool warm)
    {
        ulong backSum = 0;
        var guard = new StallGuard();
        for (int i = 0; i < count; i++)
        {
            _b.Sender.Send(new PairProtocol.Ping(CycleClock.Now(), rep, warm));
            UrpcMessage m;
            while (!_b.Receiver.TryReceive(out m))
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

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    void Stream(int rep, int count, bool warm)
    {
        var guard = new StallGuard();
        for (int i = 0; i < count; i++) _b.Sender.Send(new PairProtocol.Stream(i, warm));
        UrpcMessage m;
        while (!_b.Receiver.TryReceive(out m))
        {
            PairLoops.Pause();
            guard.Spin("the end of a stream");
        }
        if (m.Type != PairProtocol.StreamDone.TypeId || PairProtocol.StreamDone.Decode(in m).Count != count)
            throw new InvalidDataException($"stream {rep}: receiver acknowledged type {m.Type} count {m[0]}, expected {count} messages");
    }
}

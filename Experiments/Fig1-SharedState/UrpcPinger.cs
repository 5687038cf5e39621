using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>Core A: sends pings and waits for each pong, then streams messages to B.</summary>
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
            PingPong(r, _size.Warmup, true, out _, out _);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            PingPong(r, _size.Iterations, false, out ulong rttSum, out ulong backSum);
            dLat[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
            rtt[r] = (double)rttSum / _size.Iterations;
            bToA[r] = (double)(long)backSum / _size.Iterations;
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

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    void PingPong(int rep, int count, bool warm, out ulong rttSum, out ulong backSum)
    {
        rttSum = 0;
        backSum = 0;
        var guard = new StallGuard();
        for (int i = 0; i < count; i++)
        {
            ulong t0 = CycleClock.Now();
            _b.Sender.Send(new PairProtocol.Ping(t0, rep, warm));
            UrpcMessage m;
            while (!_b.Receiver.TryReceive(out m)) guard.Spin("a pong");
            ulong t2 = CycleClock.Now();
            guard.Progress();
            if (m.Type != PairProtocol.Pong.TypeId) throw new InvalidDataException($"pinger expected a pong, got type {m.Type}");
            rttSum += t2 - t0;
            backSum += t2 - PairProtocol.Pong.Decode(in m).SentAt; // wraps to a small negative number if B's TSC runs ahead; cast back when averaged
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    void Stream(int rep, int count, bool warm)
    {
        var guard = new StallGuard();
        for (int i = 0; i < count; i++) _b.Sender.Send(new PairProtocol.Stream(i, warm));
        UrpcMessage m;
        while (!_b.Receiver.TryReceive(out m)) guard.Spin("the end of a stream");
        if (m.Type != PairProtocol.StreamDone.TypeId || PairProtocol.StreamDone.Decode(in m).Count != count)
            throw new InvalidDataException($"stream {rep}: receiver acknowledged type {m.Type} count {m[0]}, expected {count} messages");
    }
}

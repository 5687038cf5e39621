using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>Core B: echoes the round trips, answers stamped pings with stamped pongs, then receives the streams and times them.</summary>
public sealed class UrpcPonger : GatedMeasurement<PairSideReport>
{
    readonly UrpcEndpoint _a;
    readonly SweepSize _size;

    public UrpcPonger(UrpcEndpoint a, SweepSize size, IMeasurementOutcome<PairSideReport> outcome) : base("urpc-ponger", outcome)
    {
        _a = a;
        _size = size;
    }

    protected override PairSideReport Measure()
    {
        int reps = _size.Repetitions;
        var aToB = new double[reps];
        var rate = new double[reps];
        var dLat = new bool[reps];
        var dStream = new bool[reps];
        string? failure = null;
        for (int r = 0; r < reps; r++)
        {
            PairLoops.Echoes(_a.Sender, _a.Receiver, _size.Warmup);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            PairLoops.Echoes(_a.Sender, _a.Receiver, _size.Iterations);
            dLat[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        for (int r = 0; r < reps; r++)
        {
            Pong(_size.Warmup);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            aToB[r] = (double)(long)Pong(_size.Iterations) / _size.Iterations;
            dLat[r] |= ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        for (int r = 0; r < reps; r++)
        {
            failure ??= Drain(_size.Warmup, true, out _);
            long switches = ContextSwitches.InvoluntaryOfThisThread();
            failure ??= Drain(_size.Iterations, false, out rate[r]);
            dStream[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
        }
        return new PairSideReport { Latency = aToB, Other = rate, DisturbedLatency = dLat, DisturbedStream = dStream, Failure = failure };
    }

    /// <summary>Answers stamped pings; returns the sum over them of (B's TSC on arrival - A's stamp).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    ulong Pong(int count)
    {
        ulong sum = 0;
        var guard = new StallGuard();
        for (int i = 0; i < count; i++)
        {
            UrpcMessage m;
            while (!_a.Receiver.TryReceive(out m))
            {
                PairLoops.Pause();
                guard.Spin("a ping");
            }
            ulong t1 = CycleClock.Now();
            guard.Progress();
            if (m.Type != PairProtocol.Ping.TypeId) throw new InvalidDataException($"ponger expected a ping, got type {m.Type}");
            sum += t1 - PairProtocol.Ping.Decode(in m).SentAt;
            _a.Sender.Send(new PairProtocol.Pong(CycleClock.Now()));
        }
        return sum;
    }

    /// <summary>
    /// Receives one stream of <paramref name="count"/> messages, checking their sequence; the rate runs from the
    /// first arrival to the last, with one clock read at each (none per message in between).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    string? Drain(int count, bool warm, out double msgsPerKcycle)
    {
        var guard = new StallGuard();
        ulong first = 0;
        string? failure = null;
        for (int i = 0; i < count; i++)
        {
            UrpcMessage m;
            while (!_a.Receiver.TryReceive(out m))
            {
                PairLoops.Pause();
                guard.Spin("a stream message");
            }
            if (i == 0) first = CycleClock.Now();
            guard.Progress();
            if (m.Type != PairProtocol.Stream.TypeId || PairProtocol.Stream.Decode(in m) is var s && (s.Sequence != i || s.Warmup != warm))
                failure ??= $"stream message {i}: type {m.Type}, sequence {m[0]}, warm flag {m[1]}";
        }
        ulong last = CycleClock.Now();
        _a.Sender.Send(new PairProtocol.StreamDone(count));
        msgsPerKcycle = count > 1 && last > first ? (count - 1) * 1000.0 / (last - first) : double.NaN;
        return failure;
    }
}

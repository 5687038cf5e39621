using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>Core B: answers pings with pongs, then receives the streams and times them.</summary>
public sealed class UrpcPonger : Dispatcher
{
    readonly UrpcEndpoint _a;
    readonly SweepSize _size;
    readonly DispatcherOutcome<PairSideReport> _outcome;
    bool _finished;

    public UrpcPonger(UrpcEndpoint a, SweepSize size, DispatcherOutcome<PairSideReport> outcome) : base("urpc-ponger")
    {
        _a = a;
        _size = size;
        _outcome = outcome;
    }

    protected override bool HasLocalWork => _outcome.IsOpen && !_finished;

    protected override bool Run()
    {
        if (_finished || !_outcome.IsOpen) return false;
        _finished = true;
        try
        {
            int reps = _size.Repetitions;
            var aToB = new double[reps];
            var rate = new double[reps];
            var dLat = new bool[reps];
            var dStream = new bool[reps];
            string? failure = null;
            for (int r = 0; r < reps; r++)
            {
                Pong(_size.Warmup);
                long switches = ContextSwitches.InvoluntaryOfThisThread();
                aToB[r] = (double)(long)Pong(_size.Iterations) / _size.Iterations;
                dLat[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
            }
            for (int r = 0; r < reps; r++)
            {
                failure ??= Drain(_size.Warmup, 1, out _);
                long switches = ContextSwitches.InvoluntaryOfThisThread();
                failure ??= Drain(_size.Iterations, 0, out rate[r]);
                dStream[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
            }
            _outcome.Succeed(new PairSideReport { Latency = aToB, Other = rate, DisturbedLatency = dLat, DisturbedStream = dStream, Failure = failure });
        }
        catch (Exception e) { _outcome.Fail(e); }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    ulong Pong(int count)
    {
        ulong sum = 0;
        var guard = new StallGuard();
        for (int i = 0; i < count; i++)
        {
            UrpcMessage m;
            while (!_a.Incoming.TryReceive(out m)) guard.Spin("a ping");
            ulong t1 = CycleClock.Now();
            guard.Progress();
            if (m.Type != PairProtocol.Ping) throw new InvalidDataException($"ponger expected a ping, got type {m.Type}");
            sum += t1 - m[0];
            _a.Outgoing.Send(PairProtocol.Pong, CycleClock.Now());
        }
        return sum;
    }

    /// <summary>Receives one stream of <paramref name="count"/> messages, checking their sequence; rate from first to last arrival.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    string? Drain(int count, ulong warm, out double msgsPerKcycle)
    {
        var guard = new StallGuard();
        ulong first = 0, last = 0;
        string? failure = null;
        for (int i = 0; i < count; i++)
        {
            UrpcMessage m;
            while (!_a.Incoming.TryReceive(out m)) guard.Spin("a stream message");
            last = CycleClock.Now();
            if (i == 0) first = last;
            guard.Progress();
            if (m.Type != PairProtocol.Stream || m[0] != (ulong)i || m[1] != warm)
                failure ??= $"stream message {i}: type {m.Type}, sequence {m[0]}, warm flag {m[1]}";
        }
        _a.Outgoing.Send(PairProtocol.StreamDone, (ulong)count);
        msgsPerKcycle = count > 1 && last > first ? (count - 1) * 1000.0 / (last - first) : double.NaN;
        return failure;
    }
}

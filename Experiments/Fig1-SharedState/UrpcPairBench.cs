using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel;
using Multikernel.CpuDriver;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>URPC latency and throughput between one pair of cores, measured by two dispatchers.</summary>
public sealed class UrpcPairMeasurement
{
    /// <summary>Round-trip cycles per message pair, one sample per repetition (pinger's clock only).</summary>
    public required double[] RoundTrip { get; init; }
    /// <summary>
    /// One-way cycles per repetition: the mean of the A-to-B and B-to-A latencies stamped with the sender's TSC and
    /// read with the receiver's. A constant offset between the two cores' TSCs adds to one direction and subtracts
    /// from the other, so the mean of both is free of it.
    /// </summary>
    public required double[] OneWay { get; init; }
    public required double[] OneWayAToB { get; init; }
    public required double[] OneWayBToA { get; init; }
    /// <summary>Messages per 1000 cycles received in a stream, one sample per repetition.</summary>
    public required double[] MsgsPerKcycle { get; init; }
    public string? Failure { get; init; }
    /// <summary>Per repetition of the latency phase: was the pinger or ponger descheduled by the OS.</summary>
    public required bool[] LatencyDisturbed { get; init; }
    /// <summary>Per repetition of the stream phase: was the sender or receiver descheduled by the OS.</summary>
    public required bool[] StreamDisturbed { get; init; }
}

/// <summary>What one side of the pair benchmark measured: per repetition, a latency sample, a second sample
/// (pinger: round trip; ponger: stream rate), and whether its thread was descheduled in each phase.</summary>
public sealed class PairSideReport
{
    public required double[] Latency { get; init; }
    public required double[] Other { get; init; }
    public required bool[] DisturbedLatency { get; init; }
    public required bool[] DisturbedStream { get; init; }
    public string? Failure { get; init; }
}

/// <summary>
/// The pair benchmark's protocol. Ping (A to B): w0 = A's TSC just before sending, w1 = repetition index, w2 = 1 if
/// warm-up. Pong (B to A): w0 = B's TSC just before sending. Stream (A to B): w0 = sequence number in the
/// repetition's stream, w1 = 1 if warm-up; StreamDone (B to A) after the last message of each repetition.
/// </summary>
static class PairProtocol
{
    public const byte Ping = 50, Pong = 51, Stream = 52, StreamDone = 53;
}

/// <summary>Core A: sends pings and waits for each pong, then streams messages to B.</summary>
public sealed class UrpcPinger : Dispatcher
{
    readonly UrpcEndpoint _b;
    readonly SweepSize _size;
    readonly DispatcherOutcome<PairSideReport> _outcome;
    bool _finished;

    public UrpcPinger(UrpcEndpoint b, SweepSize size, DispatcherOutcome<PairSideReport> outcome) : base("urpc-pinger")
    {
        _b = b;
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
            var rtt = new double[reps];
            var bToA = new double[reps];
            var dLat = new bool[reps];
            var dStream = new bool[reps];
            for (int r = 0; r < reps; r++)
            {
                PingPong(r, _size.Warmup, 1, out _, out _);
                long switches = ContextSwitches.InvoluntaryOfThisThread();
                PingPong(r, _size.Iterations, 0, out ulong rttSum, out ulong backSum);
                dLat[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
                rtt[r] = (double)rttSum / _size.Iterations;
                bToA[r] = (double)(long)backSum / _size.Iterations;
            }
            for (int r = 0; r < reps; r++)
            {
                Stream(r, _size.Warmup, 1);
                long switches = ContextSwitches.InvoluntaryOfThisThread();
                Stream(r, _size.Iterations, 0);
                dStream[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
            }
            _outcome.Succeed(new PairSideReport { Latency = bToA, Other = rtt, DisturbedLatency = dLat, DisturbedStream = dStream });
        }
        catch (Exception e) { _outcome.Fail(e); }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    void PingPong(int rep, int count, ulong warm, out ulong rttSum, out ulong backSum)
    {
        rttSum = 0;
        backSum = 0;
        var guard = new StallGuard();
        for (int i = 0; i < count; i++)
        {
            ulong t0 = CycleClock.Now();
            _b.Outgoing.Send(PairProtocol.Ping, t0, (ulong)rep, warm);
            UrpcMessage m;
            while (!_b.Incoming.TryReceive(out m)) guard.Spin("a pong");
            ulong t2 = CycleClock.Now();
            guard.Progress();
            if (m.Type != PairProtocol.Pong) throw new InvalidDataException($"pinger expected a pong, got type {m.Type}");
            rttSum += t2 - t0;
            backSum += t2 - m[0]; // wraps to a small negative number if B's TSC runs ahead; cast back when averaged
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    void Stream(int rep, int count, ulong warm)
    {
        var guard = new StallGuard();
        for (int i = 0; i < count; i++) _b.Outgoing.Send(PairProtocol.Stream, (ulong)i, warm);
        UrpcMessage m;
        while (!_b.Incoming.TryReceive(out m)) guard.Spin("the end of a stream");
        if (m.Type != PairProtocol.StreamDone || m[0] != (ulong)count)
            throw new InvalidDataException($"stream {rep}: receiver acknowledged type {m.Type} count {m[0]}, expected {count} messages");
    }
}

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

/// <summary>Boots the pair of cores (A first) and runs the pinger on A and the ponger on B.</summary>
public static class UrpcPairBench
{
    public static UrpcPairMeasurement Measure(int coreA, int coreB, SweepSize size)
    {
        var topo = MachineTopology.Current;
        // Declared before the system so that it is freed after the cores have stopped, also when a wait fails.
        using var binding = new UrpcBinding(UpdateProtocol.RingSlots, topo[coreA].NumaNode, topo[coreB].NumaNode);
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [coreA, coreB] });
        var pinger = new DispatcherOutcome<PairSideReport>();
        var ponger = new DispatcherOutcome<PairSideReport>();
        mk.SpawnAsync(0, 1, () => new UrpcPonger(binding.B, size, ponger)).Wait();
        mk.SpawnAsync(0, 0, () => new UrpcPinger(binding.A, size, pinger)).Wait();
        ponger.Open();
        pinger.Open();
        if (!Task.WaitAll([pinger.Completion, ponger.Completion], UpdateProtocol.Stall + TimeSpan.FromSeconds(30)))
            throw new TimeoutException($"URPC pair benchmark on cores {coreA},{coreB} did not finish");
        var a = pinger.Completion.Result;
        var b = ponger.Completion.Result;
        mk.Shutdown();
        int reps = size.Repetitions;
        return new UrpcPairMeasurement
        {
            RoundTrip = a.Other,
            OneWayAToB = b.Latency,
            OneWayBToA = a.Latency,
            OneWay = b.Latency.Zip(a.Latency, (x, y) => (x + y) / 2).ToArray(),
            MsgsPerKcycle = b.Other,
            Failure = a.Failure ?? b.Failure,
            LatencyDisturbed = Enumerable.Range(0, reps).Select(r => a.DisturbedLatency[r] || b.DisturbedLatency[r]).ToArray(),
            StreamDisturbed = Enumerable.Range(0, reps).Select(r => a.DisturbedStream[r] || b.DisturbedStream[r]).ToArray(),
        };
    }
}

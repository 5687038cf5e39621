using Multikernel;

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

/// <summary>Boots the pair of cores (A first) and runs the pinger on A and the ponger on B.</summary>
public static class UrpcPairBench
{
    public static UrpcPairMeasurement Measure(int coreA, int coreB, SweepSize size)
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [coreA, coreB] });
        var binding = mk.BindAsync(0, 1, UpdateProtocol.RingSlots).GetAwaiter().GetResult(); // freed by the system at shutdown
        var pinger = new DispatcherOutcome<PairSideReport>();
        var ponger = new DispatcherOutcome<PairSideReport>();
        mk.SpawnAsync(0, 1, () => new UrpcPonger(binding.Server, size, ponger)).Wait();
        mk.SpawnAsync(0, 0, () => new UrpcPinger(binding.Client, size, pinger)).Wait();
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

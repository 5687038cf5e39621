using Experiments.Common;
using Multikernel;
using Multikernel.CoreProcesses;

namespace Fig1.SharedState;

/// <summary>Boots the pair of cores (A first) and runs the pinger on A and the ponger on B.</summary>
public static class UrpcPairBench
{
    /// <summary>
    /// How long the host waits for the pair while neither side finishes a batch (the sides count their batches in their
    /// outcomes' progress): longer than a side's own <see cref="UpdateProtocol.Stall"/>, so that a side that gives up
    /// waiting for a dead peer reports its error first. A run of any length is waited for while batches finish.
    /// </summary>
    static readonly TimeSpan Stall = UpdateProtocol.Stall + TimeSpan.FromSeconds(30);

    /// <summary>
    /// A wait of at most the given time for <paramref name="done"/> through <paramref name="waitFor"/> (such as
    /// MultikernelSystem.WaitFor, which throws a <see cref="TimeoutException"/> when its condition does not hold within
    /// the time it is given): false on that timeout, for <see cref="ProgressWait.Until"/>.
    /// </summary>
    internal static Func<TimeSpan, bool> Within(Action<Func<bool>, TimeSpan, string> waitFor, Func<bool> done, string what) => time =>
    {
        try
        {
            waitFor(done, time, what);
            return true;
        }
        catch (TimeoutException) { return false; }
    };

    /// <summary>Thread mode: both cores are threads of this process.</summary>
    public static UrpcPairMeasurement Measure(int coreA, int coreB, SweepSize size) => Measure(coreA, coreB, size, out _);

    /// <summary>
    /// Process mode: each core is a process of its own, confined to its core; the binding's rings are in the shared
    /// region the two map, made by their monitors; each side reports through a block of that region.
    /// <paramref name="startupMs"/> is how long the two core processes took to boot.
    /// </summary>
    public static UrpcPairMeasurement MeasureInProcesses(int coreA, int coreB, SweepSize size, out double startupMs)
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [coreA, coreB], Mode = BootMode.ProcessPerCore, Program = Fig1CoreProgram.Instance });
        startupMs = mk.StartupTime.TotalMilliseconds;
        var binding = Wait(mk, mk.BindAsync(0, 1, UpdateProtocol.RingSlots), "the bind");
        var region = mk.Region!;
        var pingerBlock = region.AllocateHostBlock(SharedPairOutcome.BytesFor(size.Repetitions));
        var pongerBlock = region.AllocateHostBlock(SharedPairOutcome.BytesFor(size.Repetitions));
        var pinger = new SharedPairOutcome(pingerBlock);
        var ponger = new SharedPairOutcome(pongerBlock);
        Wait(mk, mk.SpawnAsync(1, Fig1CoreProgram.Ponger, Fig1CoreProgram.Args(binding.Name!.Value, size, pongerBlock)), "the ponger's spawn");
        Wait(mk, mk.SpawnAsync(0, Fig1CoreProgram.Pinger, Fig1CoreProgram.Args(binding.Name!.Value, size, pingerBlock)), "the pinger's spawn");
        ponger.Open();
        pinger.Open();
        string what = $"the URPC pair benchmark on cores {coreA},{coreB} (processes)";
        ProgressWait.Until(Within(mk.WaitFor, () => pinger.IsDone && ponger.IsDone, what), () => pinger.Progress + ponger.Progress, what, Stall, counted: "batches");
        var a = pinger.Read("pinger");
        var b = ponger.Read("ponger");
        mk.Shutdown();
        return Combine(a, b, size);
    }

    static T Wait<T>(MultikernelSystem mk, Task<T> task, string what)
    {
        mk.WaitFor(() => task.IsCompleted, TimeSpan.FromMinutes(2), what);
        return task.GetAwaiter().GetResult();
    }

    static UrpcPairMeasurement Measure(int coreA, int coreB, SweepSize size, out double startupMs)
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [coreA, coreB] });
        var binding = mk.BindAsync(0, 1, UpdateProtocol.RingSlots).GetAwaiter().GetResult(); // freed by the system at shutdown
        var pinger = new DispatcherOutcome<PairSideReport>();
        var ponger = new DispatcherOutcome<PairSideReport>();
        mk.SpawnAsync(0, 1, () => new UrpcPonger(binding.Server, size, ponger)).Wait();
        mk.SpawnAsync(0, 0, () => new UrpcPinger(binding.Client, size, pinger)).Wait();
        ponger.Open();
        pinger.Open();
        var both = Task.WhenAll(pinger.Completion, ponger.Completion);
        ProgressWait.Until(both.Wait, () => pinger.Progress + ponger.Progress, $"the URPC pair benchmark on cores {coreA},{coreB}", Stall, counted: "batches");
        var a = pinger.Completion.Result;
        var b = ponger.Completion.Result;
        startupMs = mk.StartupTime.TotalMilliseconds;
        mk.Shutdown();
        return Combine(a, b, size);
    }

    static UrpcPairMeasurement Combine(PairSideReport a, PairSideReport b, SweepSize size)
    {
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

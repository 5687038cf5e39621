using Multikernel;
using Multikernel.CpuDriver;
using Multikernel.Hardware;

namespace Benchmarks.CpuDriver;

/// <summary>
/// The cost of one CPU-driver round on the kernel's normal path: a multikernel booted on the given cores, and on its
/// first core (which also hosts the memory server) a <see cref="RoundCounter"/> that keeps the core busy with empty
/// rounds while the core's monitor and memory server are blocked. Measured with the default
/// <see cref="CpuDriverThread.BlockedVisitSlice"/> and with the round rule alone (slice zero: the blocked dispatchers
/// visited on every <see cref="CpuDriverThread.BlockedVisitInterval"/>-th round), each in a fresh boot: one untimed
/// batch, then <c>batches</c> timed ones of <c>roundsPerBatch</c> rounds; the median and minimum over batches are
/// printed. More booted cores give each monitor more channels to poll on a visit (two per other core).
/// </summary>
public static class DriverRounds
{
    public static int Execute(int[] cpus, int batches, long roundsPerBatch, TextWriter output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(roundsPerBatch, 1);
        _ = CycleClock.Now(); // calibrates once, before anything is timed
        output.WriteLine($"CPU-driver rounds on CPU {cpus[0]} of a multikernel booted on {cpus.Length} core(s) ({CoreAffinity.FormatList(cpus)}), cycle counter {CycleClock.Source} at {CycleClock.Frequency / 1e9:F3} GHz;");
        output.WriteLine($"one runnable dispatcher making empty rounds, the core's monitor and memory server blocked; {batches} timed batches of {roundsPerBatch} rounds after an untimed one");
        output.WriteLine($"{"blocked dispatchers visited",-62} {"median cycles/round",20} {"min",8}");
        foreach (var slice in new[] { CpuDriverThread.DefaultBlockedVisitSlice, TimeSpan.Zero })
        {
            var perRound = Measure(cpus, slice, batches, roundsPerBatch);
            string rule = slice == TimeSpan.Zero
                ? $"every {CpuDriverThread.BlockedVisitInterval}th round (slice 0)"
                : $"on a {CpuDriverThread.BlockedVisitInterval}th round once per {slice.TotalMicroseconds:0.###} µs (default)";
            output.WriteLine($"{rule,-62} {perRound[perRound.Length / 2],20:F1} {perRound[0],8:F1}");
        }
        return 0;
    }

    /// <summary>Cycles per round of each timed batch, sorted.</summary>
    public static double[] Measure(int[] cpus, TimeSpan slice, int batches, long roundsPerBatch)
    {
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = cpus, BlockedVisitSlice = slice });
        var result = new double[batches];
        for (int b = -1; b < batches; b++)
        {
            var done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!mk.SpawnAsync(0, 0, () => new RoundCounter(roundsPerBatch, done)).Wait(TimeSpan.FromSeconds(30)))
                throw new TimeoutException("the round counter was not spawned within 30 s");
            if (!done.Task.Wait(TimeSpan.FromMinutes(2)))
                throw new TimeoutException($"a batch of {roundsPerBatch} rounds did not finish within 2 minutes");
            if (b >= 0) result[b] = done.Task.Result;
        }
        mk.Shutdown();
        Array.Sort(result);
        return result;
    }
}

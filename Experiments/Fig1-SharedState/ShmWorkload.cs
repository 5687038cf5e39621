using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>
/// SHMn: k threads, one pinned to each of k cores, each repeatedly updates the same n shared cache lines directly,
/// one atomic read-modify-write (<c>lock xadd</c>) per line per update. Cost: cycles per update (all n lines).
/// Afterwards every line must hold exactly k x (warm-up + iterations) x repetitions: nothing lost.
/// </summary>
public static unsafe class ShmWorkload
{
    public static PointMeasurement Run(IReadOnlyList<int> cores, int lines, SweepSize size)
    {
        using var shared = new SharedLines(lines);
        return Run(cores, shared, size);
    }

    /// <summary>Runs on caller-owned lines (which must start at zero), so a test can inspect them afterwards.</summary>
    public static PointMeasurement Run(IReadOnlyList<int> cores, SharedLines shared, SweepSize size)
    {
        int k = cores.Count, lines = shared.Count;
        long* p = shared.Base;
        var samples = new double[k * size.Repetitions];
        var disturbed = new bool[k * size.Repetitions];
        PinnedThreadGroup.Run(cores, (w, barrier) =>
        {
            for (int r = 0; r < size.Repetitions; r++)
            {
                barrier.SignalAndWait();
                Update(p, lines, size.Warmup);
                barrier.SignalAndWait();
                long switches = ContextSwitches.InvoluntaryOfThisThread();
                ulong t0 = CycleClock.Now();
                Update(p, lines, size.Iterations);
                ulong t1 = CycleClock.Now();
                samples[w * size.Repetitions + r] = (double)(t1 - t0) / size.Iterations;
                disturbed[w * size.Repetitions + r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
            }
        }, TimeSpan.FromMinutes(5));
        return new PointMeasurement
        {
            CyclesPerOp = samples,
            Failure = shared.CheckAll(k * size.OpsPerThread),
            RepetitionDisturbed = PointMeasurement.PerRepetition(disturbed, size.Repetitions),
        };
    }

    /// <summary>The measured loop: <paramref name="updates"/> updates, each an atomic increment of every line.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void Update(long* p, int lines, int updates)
    {
        for (int i = 0; i < updates; i++)
            for (int j = 0; j < lines; j++)
                Interlocked.Increment(ref p[j * SharedLines.WordsPerLine]);
    }
}

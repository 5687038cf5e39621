using Experiments.Common;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>
/// Times an <see cref="ISharedLinesUpdate"/> on k threads, one pinned to each core: per repetition all threads meet at
/// a barrier, run the warm-up updates, meet again, then each times its own <see cref="SweepSize.Iterations"/> updates
/// (one TSC pair around the batch) and notes whether the OS descheduled it meanwhile. The update is a struct type
/// argument, so the timed call is a direct call, as if written inline. The host gives up on the threads only when no
/// thread finished a batch for 5 minutes.
/// </summary>
public static unsafe class SharedLinesTimer
{
    /// <summary>Samples of cycles per update laid out thread by thread (<c>w * Repetitions + r</c>), and per repetition
    /// whether any thread was descheduled in its timed batch.</summary>
    public static (double[] CyclesPerOp, bool[] RepetitionDisturbed) Run<TUpdate>(IReadOnlyList<int> cores, SharedLines shared, SweepSize size, TUpdate update)
        where TUpdate : struct, ISharedLinesUpdate
    {
        int lines = shared.Count;
        long* p = shared.Base;
        var samples = new double[cores.Count * size.Repetitions];
        var disturbed = new bool[cores.Count * size.Repetitions];
        long batches = 0; // warm-up and timed batches finished by all threads: the group's progress, counted outside the timed batch
        PinnedThreadGroup.Run(cores, (w, barrier) =>
        {
            for (int r = 0; r < size.Repetitions; r++)
            {
                barrier.SignalAndWait();
                update.Apply(p, lines, size.Warmup);
                Interlocked.Increment(ref batches);
                barrier.SignalAndWait();
                long switches = ContextSwitches.InvoluntaryOfThisThread();
                ulong t0 = CycleClock.Now();
                update.Apply(p, lines, size.Iterations);
                ulong t1 = CycleClock.Now();
                samples[w * size.Repetitions + r] = (double)(t1 - t0) / size.Iterations;
                disturbed[w * size.Repetitions + r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
                Interlocked.Increment(ref batches);
            }
        }, TimeSpan.FromMinutes(5), () => Interlocked.Read(ref batches));
        return (samples, PointMeasurement.PerRepetition(disturbed, size.Repetitions));
    }
}

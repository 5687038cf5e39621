using System.Runtime.CompilerServices;

namespace Fig1.SharedState;

/// <summary>
/// SHMn: k threads, one pinned to each of k cores, each repeatedly updates the same n shared cache lines directly,
/// either with plain loads and stores (<see cref="ShmUpdate.Plain"/>, as in the paper) or with one atomic
/// increment per line (<see cref="ShmUpdate.Atomic"/>). Cost: cycles per update (all n lines).
/// <para>Check afterwards: atomic, or plain on one core: every line holds exactly k x (warm-up + iterations) x
/// repetitions. Plain on several cores: updates may be lost, so every line must hold between 1 and that total; how
/// many were lost is reported (<see cref="PointMeasurement.LostUpdates"/>), not checked.</para>
/// </summary>
public static unsafe class ShmWorkload
{
    /// <summary>Runs on the caller's lines, which must start at zero (the check counts from there); a test can inspect them afterwards.</summary>
    public static PointMeasurement Run(IReadOnlyList<int> cores, SharedLines shared, SweepSize size, ShmUpdate update)
    {
        bool atomic = update == ShmUpdate.Atomic;
        var (samples, disturbed) = atomic
            ? SharedLinesTimer.Run(cores, shared, size, new AtomicIncrements())
            : SharedLinesTimer.Run(cores, shared, size, new PlainIncrements());
        long expected = cores.Count * size.OpsPerThread;
        bool exact = atomic || cores.Count == 1;
        return new PointMeasurement
        {
            CyclesPerOp = samples,
            Failure = exact ? shared.CheckAll(expected) : shared.CheckWithin(1, expected),
            RepetitionDisturbed = disturbed,
            LostUpdates = exact ? 0 : LostFraction(shared, expected),
        };
    }

    /// <summary>Fraction of the planned increments that the lines do not show, averaged over the lines.</summary>
    internal static double LostFraction(SharedLines shared, long expected)
    {
        double lost = 0;
        for (int i = 0; i < shared.Count; i++) lost += expected - shared[i];
        return lost / shared.Count / expected;
    }

    /// <summary>The measured loop of SHMn: each update a plain load, add and store of every line.</summary>
    readonly struct PlainIncrements : ISharedLinesUpdate
    {
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        public void Apply(long* p, int lines, int updates)
        {
            // Volatile: every update really loads and stores each line (no register caching across iterations); the JIT
            // emits one inc qword ptr [line], no fence and no lock prefix. The inner loop walks a pointer, as the C twin's
            // does (inc, add, cmp/jne): an indexed loop had two more instructions per line.
            long* end = p + (long)lines * SharedLines.WordsPerLine;
            for (int i = 0; i < updates; i++)
                for (long* line = p; line < end; line += SharedLines.WordsPerLine)
                    Volatile.Write(ref *line, Volatile.Read(ref *line) + 1);
        }
    }

    /// <summary>The measured loop of SHMn-atomic: each update an atomic increment of every line (the JIT emits <c>lock inc qword ptr [line]</c>, the result being unused).</summary>
    readonly struct AtomicIncrements : ISharedLinesUpdate
    {
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        public void Apply(long* p, int lines, int updates)
        {
            long* end = p + (long)lines * SharedLines.WordsPerLine;
            for (int i = 0; i < updates; i++)
                for (long* line = p; line < end; line += SharedLines.WordsPerLine)
                    Interlocked.Increment(ref *line);
        }
    }
}

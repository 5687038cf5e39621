using System.Runtime.CompilerServices;

namespace Fig1.SharedState;

/// <summary>
/// The host-OS baseline: the same update of n shared lines as SHMn, but as plain (non-atomic) increments inside a
/// critical section. The final counters prove mutual exclusion: a lost update would leave a line short.
/// </summary>
public static unsafe class LockWorkload
{
    /// <summary>Runs on the caller's lines, which must start at zero (the check counts from there); a test can inspect them afterwards.</summary>
    public static PointMeasurement Run(IReadOnlyList<int> cores, SharedLines shared, SweepSize size, HostLock kind)
    {
        using var spin = new TtasSpinLock();
        var (samples, disturbed) = kind == HostLock.DotNetLock
            ? SharedLinesTimer.Run(cores, shared, size, new UnderLock(new Lock()))
            : SharedLinesTimer.Run(cores, shared, size, new UnderSpinLock(spin));
        return new PointMeasurement
        {
            CyclesPerOp = samples,
            Failure = shared.CheckAll(cores.Count * size.OpsPerThread),
            RepetitionDisturbed = disturbed,
        };
    }

    /// <summary>Each update of all lines inside one <c>lock</c> statement.</summary>
    readonly struct UnderLock(Lock gate) : ISharedLinesUpdate
    {
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        public void Apply(long* p, int lines, int updates)
        {
            for (int i = 0; i < updates; i++)
            {
                lock (gate)
                {
                    for (int j = 0; j < lines; j++) p[j * SharedLines.WordsPerLine]++;
                }
            }
        }
    }

    /// <summary>Each update of all lines inside one hold of the TTAS spin lock.</summary>
    readonly struct UnderSpinLock(TtasSpinLock spin) : ISharedLinesUpdate
    {
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        public void Apply(long* p, int lines, int updates)
        {
            for (int i = 0; i < updates; i++)
            {
                spin.Enter();
                for (int j = 0; j < lines; j++) p[j * SharedLines.WordsPerLine]++;
                spin.Exit();
            }
        }
    }
}

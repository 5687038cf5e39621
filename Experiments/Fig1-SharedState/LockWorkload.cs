using System.Runtime.CompilerServices;
using Experiments.Common;
using Multikernel.Hardware;

namespace Fig1.SharedState;

/// <summary>Which lock guards the host baseline's update.</summary>
public enum HostLock
{
    /// <summary>The C# <c>lock</c> statement on a <see cref="System.Threading.Lock"/> (.NET 9+), what a .NET programmer writes.</summary>
    DotNetLock,
    /// <summary>A test-and-test-and-set spin lock (<see cref="TtasSpinLock"/>).</summary>
    SpinLock,
}

/// <summary>
/// The host-OS baseline: the same update of n shared lines as SHMn, but as plain (non-atomic) increments inside a
/// critical section. The final counters prove mutual exclusion: a lost update would leave a line short.
/// </summary>
public static unsafe class LockWorkload
{
    public static PointMeasurement Run(IReadOnlyList<int> cores, int lines, SweepSize size, HostLock kind)
    {
        using var shared = new SharedLines(lines);
        return Run(cores, shared, size, kind);
    }

    /// <summary>Runs on caller-owned lines (which must start at zero), so a test can inspect them afterwards.</summary>
    public static PointMeasurement Run(IReadOnlyList<int> cores, SharedLines shared, SweepSize size, HostLock kind)
    {
        int k = cores.Count, lines = shared.Count;
        using var spin = new TtasSpinLock();
        var gate = new Lock();
        long* p = shared.Base;
        var samples = new double[k * size.Repetitions];
        var disturbed = new bool[k * size.Repetitions];
        PinnedThreadGroup.Run(cores, (w, barrier) =>
        {
            for (int r = 0; r < size.Repetitions; r++)
            {
                barrier.SignalAndWait();
                Run(kind, gate, spin, p, lines, size.Warmup);
                barrier.SignalAndWait();
                long switches = ContextSwitches.InvoluntaryOfThisThread();
                ulong t0 = CycleClock.Now();
                Run(kind, gate, spin, p, lines, size.Iterations);
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

    static void Run(HostLock kind, Lock gate, TtasSpinLock spin, long* p, int lines, int updates)
    {
        if (kind == HostLock.DotNetLock) UnderLock(gate, p, lines, updates);
        else UnderSpinLock(spin, p, lines, updates);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void UnderLock(Lock gate, long* p, int lines, int updates)
    {
        for (int i = 0; i < updates; i++)
        {
            lock (gate)
            {
                for (int j = 0; j < lines; j++) p[j * SharedLines.WordsPerLine]++;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void UnderSpinLock(TtasSpinLock spin, long* p, int lines, int updates)
    {
        for (int i = 0; i < updates; i++)
        {
            spin.Enter();
            for (int j = 0; j < lines; j++) p[j * SharedLines.WordsPerLine]++;
            spin.Exit();
        }
    }
}

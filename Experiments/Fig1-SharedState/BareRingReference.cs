using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace Fig1.SharedState;

/// <summary>
/// The reference for the URPC round trip of the tables: the same round-trip loops (<see cref="PairLoops"/>) on two
/// bare rings between two plain threads pinned to the pair's cores, with no multikernel booted: what
/// <c>Benchmarks urpc-vs-native</c> measures as its C# ring. The pair benchmark's round trip must come within
/// <see cref="Tolerance"/> of it, or the harness (dispatchers, CPU drivers, monitor-made bindings) adds to what the
/// table reports; the run checks that for every pair.
/// <para>The rings are allocated with the kernel's internal ring hook, each on its receiver's NUMA node as a bind
/// through the monitors would place it.</para>
/// </summary>
public static class BareRingReference
{
    /// <summary>The largest accepted ratio of the table's round trip to the reference's.</summary>
    public const double Tolerance = 1.10;

    /// <summary>Round-trip cycles per repetition (each the mean of a batch of <c>iterations</c>), and which repetitions the OS disturbed.</summary>
    public static (double[] RoundTrip, bool[] Disturbed) Measure(int coreA, int coreB, SweepSize size, MachineTopology topology)
    {
        using var toB = UrpcRing.Allocate(UpdateProtocol.RingSlots, topology.NumaNodeOf(coreB));
        using var toA = UrpcRing.Allocate(UpdateProtocol.RingSlots, topology.NumaNodeOf(coreA));
        int reps = size.Repetitions;
        var rtt = new double[reps];
        var disturbed = new bool[2 * reps];
        long batches = 0; // warm-up and timed batches finished by both threads: the pair's progress, counted outside the timed batch
        PinnedThreadGroup.Run([coreA, coreB], (w, barrier) =>
        {
            for (int r = 0; r < reps; r++)
            {
                if (w == 0)
                {
                    PairLoops.RoundTrips(toB.Sender, toA.Receiver, size.Warmup);
                    Interlocked.Increment(ref batches);
                    long switches = ContextSwitches.InvoluntaryOfThisThread();
                    rtt[r] = (double)PairLoops.RoundTrips(toB.Sender, toA.Receiver, size.Iterations) / size.Iterations;
                    disturbed[r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
                    Interlocked.Increment(ref batches);
                }
                else
                {
                    PairLoops.Echoes(toA.Sender, toB.Receiver, size.Warmup);
                    Interlocked.Increment(ref batches);
                    long switches = ContextSwitches.InvoluntaryOfThisThread();
                    PairLoops.Echoes(toA.Sender, toB.Receiver, size.Iterations);
                    disturbed[reps + r] = ContextSwitches.InvoluntaryOfThisThread() != switches;
                    Interlocked.Increment(ref batches);
                }
            }
        }, UpdateProtocol.Stall + TimeSpan.FromSeconds(30), () => Interlocked.Read(ref batches));
        return (rtt, PointMeasurement.PerRepetition(disturbed, reps));
    }
}

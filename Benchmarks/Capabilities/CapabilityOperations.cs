using Experiments.Common;
using Multikernel.Capabilities;
using Multikernel.Hardware;
using Multikernel.Memory;

namespace Benchmarks.Capabilities;

/// <summary>
/// Micro-measurement of local capability invocations on one pinned core, on a bare capability driver (no boot, no
/// BenchmarkDotNet): <see cref="CapabilityInvocations"/> times each operation in batches after an untimed warm-up
/// pass; the median over rounds is reported with the allocated bytes per operation. The fig3 experiment runs the same
/// measurement on a booted core.
/// </summary>
public static class CapabilityOperations
{
    public static int Execute(int cpu, int rounds, TextWriter output)
    {
        CoreAffinity.PinCurrentThread(cpu);
        _ = CycleClock.Now(); // calibrates (and allocates) once, before anything is timed
        _ = GC.GetAllocatedBytesForCurrentThread();
        using var memory = new PhysicalMemory(16L << 20);
        var caps = new CapabilityDriver(0, memory);
        caps.BindToCurrentThread();
        var cs = caps.CreateBootCSpace(0, 8UL << 20);
        var results = CapabilityInvocations.Measure(caps, cs, CSpace.BootRam, 1UL << 20, rounds); // the first MiB holds the root CNode

        output.WriteLine($"capability operations on CPU {cpu} (sched_getcpu {CoreAffinity.CurrentCpu()}), cycle counter {CycleClock.Source} at {CycleClock.Frequency / 1e9:F3} GHz, {rounds} rounds of {CapabilityInvocations.Batch} operations after an untimed warm-up pass");
        output.WriteLine($"{"operation",-68} {"median ns",10} {"min ns",8} {"bytes/op",9}");
        foreach (var t in results)
        {
            var ns = t.CyclesPerOp.Select(c => CycleClock.ToNanoseconds(c)).Order().ToArray();
            output.WriteLine($"{t.Name,-68} {ns[ns.Length / 2],10:F1} {ns[0],8:F1} {t.AllocatedPerOp,9:F2}");
        }
        return 0;
    }
}

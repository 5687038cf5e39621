using System.Diagnostics;
using Multikernel.Capabilities;
using Multikernel.Hardware;
using Multikernel.Memory;

namespace Benchmarks.Capabilities;

/// <summary>
/// Micro-measurement of local capability invocations on one pinned core (no BenchmarkDotNet: each operation runs in
/// batches of <see cref="Batch"/> between two reads of the cycle counter, after warm-up rounds; the median over
/// rounds is reported with the allocated bytes per operation). What it times is the CPU driver's check and
/// bookkeeping: map and unmap of one 4 KiB frame (page-table write included), copy and delete of a copy, retype of
/// one frame (4 KiB zeroed) or one RAM page (nothing zeroed) from a RAM capability with a given number of live
/// descendants (the overlap check scans them), and delete of a retyped object.
/// </summary>
public static class CapabilityOperations
{
    public const int Batch = 256;
    public const int Warmup = 60;

    public static int Execute(int cpu, int rounds, TextWriter output)
    {
        CoreAffinity.PinCurrentThread(cpu);
        _ = CycleClock.Now(); // calibrates (and allocates) once, before anything is timed
        _ = GC.GetAllocatedBytesForCurrentThread();
        using var memory = new PhysicalMemory(64L << 20);
        var caps = new CapabilityDriver(0, memory);
        caps.BindToCurrentThread();
        var cs = caps.CreateBootCSpace(0, 48UL << 20, rootSlots: 1024);
        const ulong MiB = 1 << 20, Page = CapTypeRules.PageSize;
        // L2 CNodes in root slots 1..4 (frames, retype targets, copies, spare), a page table in slot 10, RAM in 20 and 21.
        for (int i = 1; i <= 4; i++) Check(caps.Retype(cs, CSpace.BootRam, CapType.CNode, MiB + (ulong)i * CapTypeRules.CNodeGranule, CapTypeRules.CNodeGranule, 1, Cptr.Root(i)));
        Check(caps.Retype(cs, CSpace.BootRam, CapType.VNodePtable, 2 * MiB, 0, 1, Cptr.Root(10)));
        Check(caps.Retype(cs, CSpace.BootRam, CapType.Frame, 4 * MiB, Page, Batch, Cptr.At(1, 0)));
        Check(caps.Retype(cs, CSpace.BootRam, CapType.Ram, 8 * MiB, 8 * MiB, 1, Cptr.Root(20)));
        Check(caps.Retype(cs, CSpace.BootRam, CapType.Ram, 16 * MiB, 8 * MiB, 1, Cptr.Root(21)));
        var pt = Cptr.Root(10);

        var results = new List<(string Name, double[] Ns, long Bytes, long Ops)>();
        bool measuring = false;
        // Each measurement starts from the state its body needs and its reset restores that state. The whole sequence
        // runs twice: the first pass only warms up (tiered compilation of every invocation path, then a pause for the
        // background compiler), the second measures.
        void Run(string name, Action body, Action reset)
        {
            if (!measuring)
            {
                for (int w = 0; w < Warmup; w++) { body(); reset(); }
                return;
            }
            var ns = new double[rounds];
            long bytes = 0;
            for (int w = 0; w < 3; w++) { body(); reset(); }
            for (int r = 0; r < rounds; r++)
            {
                long a0 = GC.GetAllocatedBytesForCurrentThread();
                ulong t0 = CycleClock.Now();
                body();
                ulong t1 = CycleClock.Now();
                bytes += GC.GetAllocatedBytesForCurrentThread() - a0;
                ns[r] = CycleClock.ToNanoseconds(t1 - t0) / Batch;
                reset();
            }
            results.Add((name, ns, bytes, (long)rounds * Batch));
        }

        for (int pass = 0; pass < 2; pass++)
        {
            measuring = pass == 1;
            if (measuring) Thread.Sleep(500);
            Run("map one 4 KiB frame (VNode.Map)", () => { for (int i = 0; i < Batch; i++) Check(caps.Map(cs, pt, i, Cptr.At(1, i), CapRights.ReadWrite)); },
                () => { for (int i = 0; i < Batch; i++) Check(caps.Unmap(cs, pt, i)); });
            for (int i = 0; i < Batch; i++) Check(caps.Map(cs, pt, i, Cptr.At(1, i), CapRights.ReadWrite));
            Run("unmap one 4 KiB frame (VNode.Unmap)", () => { for (int i = 0; i < Batch; i++) Check(caps.Unmap(cs, pt, i)); },
                () => { for (int i = 0; i < Batch; i++) Check(caps.Map(cs, pt, i, Cptr.At(1, i), CapRights.ReadWrite)); });
            for (int i = 0; i < Batch; i++) Check(caps.Unmap(cs, pt, i)); // the unmap round's reset left them mapped
            Run("copy a frame capability", () => { for (int i = 0; i < Batch; i++) Check(caps.Copy(cs, Cptr.At(1, 0), Cptr.At(3, i))); },
                () => { for (int i = 0; i < Batch; i++) Check(caps.Delete(cs, Cptr.At(3, i))); });
            for (int i = 0; i < Batch; i++) Check(caps.Copy(cs, Cptr.At(1, 0), Cptr.At(3, i)));
            Run("delete a copy", () => { for (int i = 0; i < Batch; i++) Check(caps.Delete(cs, Cptr.At(3, i))); },
                () => { for (int i = 0; i < Batch; i++) Check(caps.Copy(cs, Cptr.At(1, 0), Cptr.At(3, i))); });
            for (int i = 0; i < Batch; i++) Check(caps.Delete(cs, Cptr.At(3, i))); // the delete round's reset left the copies
            // Retype: the k-th retype of a batch checks the k-1 descendants already there (0..255, 127.5 on average).
            Run("retype RAM -> one 4 KiB frame (zeroed), 0..255 live descendants", () => { for (int i = 0; i < Batch; i++) Check(caps.Retype(cs, Cptr.Root(20), CapType.Frame, (ulong)i * Page, Page, 1, Cptr.At(2, i))); },
                () => { for (int i = 0; i < Batch; i++) Check(caps.Delete(cs, Cptr.At(2, i))); });
            Run("retype RAM -> one 4 KiB RAM (not zeroed), 0..255 live descendants", () => { for (int i = 0; i < Batch; i++) Check(caps.Retype(cs, Cptr.Root(21), CapType.Ram, (ulong)i * Page, Page, 1, Cptr.At(2, i))); },
                () => { for (int i = 0; i < Batch; i++) Check(caps.Delete(cs, Cptr.At(2, i))); });
            Run("retype RAM -> 4 KiB frame + delete it, no other descendant (pair)", () => { for (int i = 0; i < Batch; i++) { Check(caps.Retype(cs, Cptr.Root(20), CapType.Frame, (ulong)i * Page, Page, 1, Cptr.At(2, i))); Check(caps.Delete(cs, Cptr.At(2, i))); } },
                () => { });
            for (int i = 0; i < Batch; i++) Check(caps.Retype(cs, Cptr.Root(20), CapType.Frame, (ulong)i * Page, Page, 1, Cptr.At(2, i)));
            Run("delete a retyped frame (its last capability)", () => { for (int i = 0; i < Batch; i++) Check(caps.Delete(cs, Cptr.At(2, i))); },
                () => { for (int i = 0; i < Batch; i++) Check(caps.Retype(cs, Cptr.Root(20), CapType.Frame, (ulong)i * Page, Page, 1, Cptr.At(2, i))); });
            for (int i = 0; i < Batch; i++) Check(caps.Delete(cs, Cptr.At(2, i))); // back to the starting state
        }

        output.WriteLine($"capability operations on CPU {cpu} (sched_getcpu {CoreAffinity.CurrentCpu()}), cycle counter {CycleClock.Source} at {CycleClock.Frequency / 1e9:F3} GHz, {rounds} rounds of {Batch} operations after a warm-up pass of {Warmup} rounds each");
        output.WriteLine($"{"operation",-68} {"median ns",10} {"min ns",8} {"bytes/op",9}");
        foreach (var (name, ns, bytes, ops) in results)
        {
            Array.Sort(ns);
            output.WriteLine($"{name,-68} {ns[ns.Length / 2],10:F1} {ns[0],8:F1} {(double)bytes / ops,9:F2}");
        }
        return 0;
    }

    static void Check(CapError e)
    {
        if (e != CapError.Ok) throw new InvalidOperationException($"capability invocation failed: {e}");
    }
}

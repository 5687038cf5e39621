using Multikernel.Capabilities;
using Multikernel.Hardware;

namespace Experiments.Common;

/// <summary>
/// Times local capability invocations on the calling core (the core that owns the CSpace): each operation runs in
/// batches of <see cref="Batch"/> between two reads of the cycle counter; the whole sequence first runs once untimed
/// (tiered compilation of every invocation path), then <c>rounds</c> times timed. What it times is the CPU driver's
/// check and bookkeeping: map and unmap of one 4 KiB frame (page-table write included), copy and delete of a copy,
/// retype of one frame (4 KiB zeroed) or one RAM page (nothing zeroed) from a RAM capability with 0..255 live
/// descendants (the overlap check scans them), and delete of a retyped object. Used by the fig3 experiment on a booted
/// core and by the benchmarks' <c>cap-ops</c> on a bare driver.
/// <para>Needs <see cref="RamBytes"/> of free RAM at <c>offset</c> of the RAM capability <c>ram</c>, and root slots 2..5,
/// 10, 20 and 21 of the CSpace empty; leaves them as it found them.</para>
/// </summary>
public static class CapabilityInvocations
{
    public const int Batch = 256;
    const ulong Page = CapTypeRules.PageSize, MiB = 1 << 20;
    /// <summary>RAM the measurement retypes: four L2 CNodes, a page table, 256 frames and two 1 MiB RAM objects.</summary>
    public const ulong RamBytes = 4 * MiB;

    public static IReadOnlyList<InvocationTiming> Measure(CapabilityDriver caps, CSpace cs, Cptr ram, ulong offset, int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        _ = CycleClock.Now();
        // L2 CNodes in root slots 2..5 (frames, retype targets, copies, spare), a page table in slot 10, RAM in 20 and 21.
        for (int i = 0; i < 4; i++) Check(caps.Retype(cs, ram, CapType.CNode, offset + (ulong)i * CapTypeRules.CNodeGranule, CapTypeRules.CNodeGranule, 1, Cptr.Root(2 + i)));
        Check(caps.Retype(cs, ram, CapType.VNodePtable, offset + 4 * CapTypeRules.CNodeGranule, 0, 1, Cptr.Root(10)));
        Check(caps.Retype(cs, ram, CapType.Frame, offset + MiB, Page, Batch, Cptr.At(2, 0)));
        Check(caps.Retype(cs, ram, CapType.Ram, offset + 2 * MiB, MiB, 1, Cptr.Root(20)));
        Check(caps.Retype(cs, ram, CapType.Ram, offset + 3 * MiB, MiB, 1, Cptr.Root(21)));
        var pt = Cptr.Root(10);
        var results = new List<InvocationTiming>();
        bool measuring = false;

        // Each measurement starts from the state its body needs and its reset restores that state.
        void Run(string name, Action body, Action reset)
        {
            int n = measuring ? rounds : 20;
            var cycles = new double[n];
            long bytes = 0;
            for (int w = 0; w < 3; w++) { body(); reset(); }
            for (int r = 0; r < n; r++)
            {
                long a0 = GC.GetAllocatedBytesForCurrentThread();
                ulong t0 = CycleClock.Now();
                body();
                ulong t1 = CycleClock.Now();
                bytes += GC.GetAllocatedBytesForCurrentThread() - a0;
                cycles[r] = (double)(t1 - t0) / Batch;
                reset();
            }
            if (measuring) results.Add(new InvocationTiming(name, cycles, bytes, (long)n * Batch));
        }

        void MapAll() { for (int i = 0; i < Batch; i++) Check(caps.Map(cs, pt, i, Cptr.At(2, i), CapRights.ReadWrite)); }
        void UnmapAll() { for (int i = 0; i < Batch; i++) Check(caps.Unmap(cs, pt, i)); }
        void CopyAll() { for (int i = 0; i < Batch; i++) Check(caps.Copy(cs, Cptr.At(2, 0), Cptr.At(4, i))); }
        void DeleteCopies() { for (int i = 0; i < Batch; i++) Check(caps.Delete(cs, Cptr.At(4, i))); }
        void RetypeFrames() { for (int i = 0; i < Batch; i++) Check(caps.Retype(cs, Cptr.Root(20), CapType.Frame, (ulong)i * Page, Page, 1, Cptr.At(3, i))); }
        void RetypeRam() { for (int i = 0; i < Batch; i++) Check(caps.Retype(cs, Cptr.Root(21), CapType.Ram, (ulong)i * Page, Page, 1, Cptr.At(3, i))); }
        void DeleteRetyped() { for (int i = 0; i < Batch; i++) Check(caps.Delete(cs, Cptr.At(3, i))); }

        for (int pass = 0; pass < 2; pass++)
        {
            measuring = pass == 1;
            if (measuring) Thread.Sleep(200); // the background compiler finishes the warm-up pass's methods
            Run("map one 4 KiB frame (VNode.Map)", MapAll, UnmapAll);
            MapAll();
            Run("unmap one 4 KiB frame (VNode.Unmap)", UnmapAll, MapAll);
            UnmapAll();
            Run("copy a frame capability", CopyAll, DeleteCopies);
            CopyAll();
            Run("delete a copy", DeleteCopies, CopyAll);
            DeleteCopies();
            // Retype: the k-th retype of a batch checks the k-1 descendants already there (0..255, 127.5 on average).
            Run("retype RAM -> one 4 KiB frame (zeroed), 0..255 live descendants", RetypeFrames, DeleteRetyped);
            Run("retype RAM -> one 4 KiB RAM (not zeroed), 0..255 live descendants", RetypeRam, DeleteRetyped);
            Run("retype RAM -> 4 KiB frame + delete it, no other descendant (pair)", () =>
            {
                for (int i = 0; i < Batch; i++)
                {
                    Check(caps.Retype(cs, Cptr.Root(20), CapType.Frame, (ulong)i * Page, Page, 1, Cptr.At(3, i)));
                    Check(caps.Delete(cs, Cptr.At(3, i)));
                }
            }, () => { });
            RetypeFrames();
            Run("delete a retyped frame (its last capability)", DeleteRetyped, RetypeFrames);
            DeleteRetyped();
        }

        // Back to the starting state: the objects retyped above go (their descendants with them).
        foreach (var slot in new[] { Cptr.Root(20), Cptr.Root(21), Cptr.Root(10) }) Check(caps.Delete(cs, slot));
        for (int i = 0; i < Batch; i++) Check(caps.Delete(cs, Cptr.At(2, i)));
        for (int i = 5; i >= 2; i--) Check(caps.Delete(cs, Cptr.Root(i)));
        return results;
    }

    static void Check(CapError e)
    {
        if (e != CapError.Ok) throw new InvalidOperationException($"capability invocation failed: {e}");
    }
}

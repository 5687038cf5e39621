using System.Runtime.InteropServices;
using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Memory;

namespace Fig3.TlbShootdown;

/// <summary>
/// The second host baseline, real: as <see cref="MprotectWorkload"/>, but the timed call is <c>munmap</c> of one page
/// that was just written (so it is populated and cached in the local TLB). The toucher threads read a separate region
/// (reading the unmapped page would fault), which keeps every other core running this process, so the kernel must
/// still flush their TLBs by IPI.
/// <para>Checked on every operation, untimed, without faulting: right after the munmap the same address is mapped
/// again with MAP_FIXED_NOREPLACE (which succeeds only if nothing is mapped there) and the new page must read zero, not
/// the value written before the munmap: the old page is gone. If another thread of the runtime took the freed address
/// first (the kernel hands out the newest hole), the check for that operation is impossible and is counted, not
/// failed (unless the address still holds the value written before the munmap: then the munmap did nothing), and the
/// next operation uses a fresh page.</para>
/// </summary>
public static unsafe class MunmapWorkload
{
    public const int RegionPages = 16;
    const int MAP_FIXED_NOREPLACE = 0x100000;

    public static LatencySamples Run(int[] cores, SweepSize size)
    {
        nint region = LinuxVm.MapAnonymous(RegionPages);
        nuint page = (nuint)LinuxVm.PageSize;
        var samples = new double[size.Repetitions];
        var disturbed = new bool[size.Repetitions];
        string? failure = null;
        long checkedOps = 0, taken = 0;
        int completedReps = 0;
        PageTouchers? touchers = null;
        long[] sweeps = [], switches = [];
        Dictionary<int, long>? irqBefore = null, irqAfter = null;
        try
        {
            touchers = cores.Length > 1 ? PageTouchers.Start(cores[1..], region, RegionPages) : null;
            irqBefore = TlbShootdownInterrupts.Snapshot();
            PinnedThreadGroup.Run([cores[0]], (_, _) =>
            {
                using var probe = new PageAccessProbe();
                var lat = new ulong[size.Iterations];
                nint target = Fresh(page, ref failure);
                for (int rep = 0; rep < size.Repetitions && failure == null; rep++)
                {
                    long sw = ContextSwitches.InvoluntaryOfThisThread();
                    for (int i = 0; i < size.OpsPerRepetition && failure == null; i++)
                    {
                        long marker = (long)rep << 32 | (uint)(i + 1);
                        *(long*)target = marker; // populate: the page is present and cached in this core's TLB
                        ulong t0 = CycleClock.Now();
                        int rc = LinuxVm.munmap(target, page);
                        ulong t1 = CycleClock.Now();
                        if (rc != 0) { failure = $"munmap failed: errno {Marshal.GetLastPInvokeError()}"; break; }
                        int timed = i - size.Warmup;
                        if (timed >= 0) lat[timed] = t1 - t0;
                        nint again = LinuxVm.mmap(target, page, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE, LinuxVm.MAP_PRIVATE | LinuxVm.MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
                        if (again == target)
                        {
                            if (*(long*)again != 0) failure = $"after munmap and a fresh mapping at 0x{target:x} the page still held the old value {*(long*)again:x}";
                            checkedOps++;
                            continue;
                        }
                        if (again != LinuxVm.MapFailed) LinuxVm.munmap(again, page); // an old kernel took the address as a hint
                        else if (probe.TryReadLong(target, out long seen) && seen == marker)
                        {
                            failure = $"munmap returned 0 but the page at 0x{target:x} is still mapped with its old content";
                            break;
                        }
                        taken++;
                        target = Fresh(page, ref failure);
                    }
                    if (failure != null) break;
                    disturbed[rep] = ContextSwitches.InvoluntaryOfThisThread() != sw;
                    Array.Sort(lat);
                    samples[rep] = SampleSummary.MedianOfSorted<ulong>(lat);
                    completedReps++;
                }
                if (failure == null) LinuxVm.munmap(target, page);
            }, TimeSpan.FromMinutes(10));
        }
        finally
        {
            irqAfter = TlbShootdownInterrupts.Snapshot();
            if (touchers != null) (sweeps, switches) = touchers.Stop();
            LinuxVm.munmap(region, (nuint)RegionPages * page);
        }
        if (failure == null && sweeps.Any(s => s < 2)) failure = "a toucher thread did not keep reading the region during the run";
        if (completedReps == 0) throw new InvalidOperationException($"Linux munmap: no repetition completed: {failure}");
        string facts = (cores.Length > 1
            ? $"{cores.Length - 1} toucher thread(s) on cores {CoreList.Format(cores[1..])} read a separate {RegionPages}-page region {string.Join('/', sweeps)} times, descheduled {string.Join('/', switches)} time(s)"
              + "; " + TlbShootdownInterrupts.Describe(irqBefore, irqAfter, cores[1..], $"{size.TotalOps} munmap calls")
            : "no other core runs this process: the kernel flushes only the local TLB") +
            $"; {checkedOps} munmaps verified (the address could be mapped again and the new page read zero); {taken} not checkable (another mapping took the freed address first)";
        return new LatencySamples { Cycles = samples[..completedReps], Disturbed = disturbed[..completedReps], Failure = failure, Facts = facts };
    }

    static nint Fresh(nuint page, ref string? failure)
    {
        nint p = LinuxVm.mmap(0, page, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE, LinuxVm.MAP_PRIVATE | LinuxVm.MAP_ANONYMOUS, -1, 0);
        if (p == LinuxVm.MapFailed) failure = $"mmap failed: errno {Marshal.GetLastPInvokeError()}";
        return p;
    }
}

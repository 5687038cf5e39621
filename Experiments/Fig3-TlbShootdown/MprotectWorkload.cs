using System.Runtime.InteropServices;
using Experiments.Common;
using Multikernel.Hardware;
using Multikernel.Memory;

namespace Fig3.TlbShootdown;

/// <summary>
/// The host baseline for paper Fig 7, real: a region of <see cref="RegionPages"/> populated pages; k-1 host threads
/// pinned to the other cores keep reading it (<see cref="PageTouchers"/>); a measuring thread pinned to the first core
/// times <c>mprotect(PROT_READ)</c> on the region's first page, which the kernel must follow with a TLB shootdown by
/// IPI to every core running this process, then restores read-write, untimed.
/// <para>Checked on every operation, untimed, without faulting: after the timed call the page is readable but not
/// writable, after the restore it is writable again, and its content never changes.</para>
/// </summary>
public static unsafe class MprotectWorkload
{
    public const int RegionPages = 16;
    const long Marker = 0x5EED_F00D_CAFE_0001;

    public static LatencySamples Run(int[] cores, SweepSize size)
    {
        nint region = LinuxVm.MapAnonymous(RegionPages);
        nuint page = (nuint)LinuxVm.PageSize;
        *(long*)region = Marker;
        var samples = new double[size.Repetitions];
        var disturbed = new bool[size.Repetitions];
        string? failure = null;
        long probes = 0;
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
                for (int rep = 0; rep < size.Repetitions && failure == null; rep++)
                {
                    long sw = ContextSwitches.InvoluntaryOfThisThread();
                    for (int i = 0; i < size.OpsPerRepetition; i++)
                    {
                        ulong t0 = CycleClock.Now();
                        int rc = LinuxVm.mprotect(region, page, LinuxVm.PROT_READ);
                        ulong t1 = CycleClock.Now();
                        if (rc != 0) { failure = $"mprotect(PROT_READ) failed: errno {Marshal.GetLastPInvokeError()}"; break; }
                        int timed = i - size.Warmup;
                        if (timed >= 0) lat[timed] = t1 - t0;
                        if (probe.IsWritable(region)) { failure = "after mprotect(PROT_READ) the page was still writable"; break; }
                        if (LinuxVm.mprotect(region, page, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE) != 0) { failure = $"restoring read-write failed: errno {Marshal.GetLastPInvokeError()}"; break; }
                        if (!probe.IsWritable(region)) { failure = "after restoring PROT_READ|PROT_WRITE the page was not writable"; break; }
                        if (*(long*)region != Marker) { failure = "the page's content changed"; break; }
                        probes += 2;
                    }
                    if (failure != null) break;
                    disturbed[rep] = ContextSwitches.InvoluntaryOfThisThread() != sw;
                    Array.Sort(lat);
                    samples[rep] = SampleSummary.MedianOfSorted<ulong>(lat);
                    completedReps++;
                }
            }, TimeSpan.FromMinutes(10));
        }
        finally
        {
            irqAfter = TlbShootdownInterrupts.Snapshot();
            if (touchers != null) (sweeps, switches) = touchers.Stop();
            LinuxVm.munmap(region, (nuint)RegionPages * page);
        }
        if (failure == null && sweeps.Any(s => s < 2)) failure = "a toucher thread did not keep reading the region during the run";
        if (completedReps == 0) throw new InvalidOperationException($"Linux mprotect: no repetition completed: {failure}");
        string facts = (cores.Length > 1
            ? $"{cores.Length - 1} toucher thread(s) on cores {CoreList.Format(cores[1..])} read the {RegionPages}-page region {string.Join('/', sweeps)} times, descheduled {string.Join('/', switches)} time(s)"
              + "; " + TlbShootdownInterrupts.Describe(irqBefore, irqAfter, cores[1..], $"{size.TotalOps} mprotect(PROT_READ) and {size.TotalOps} restoring calls")
            : "no other core runs this process: the kernel flushes only the local TLB") +
            $"; {probes} page-state probes passed (read-only after mprotect, writable after restore, content unchanged)";
        return new LatencySamples { Cycles = samples[..completedReps], Disturbed = disturbed[..completedReps], Failure = failure, Facts = facts };
    }
}

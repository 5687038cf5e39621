using System.Runtime.InteropServices;

namespace Fig3.TlbShootdown;

/// <summary>
/// The host baseline for paper Fig 7, real: a region of <see cref="HostBaseline.RegionPages"/> populated pages; k-1 host threads
/// pinned to the other cores keep reading it (<see cref="PageTouchers"/>); a measuring thread pinned to the first core
/// times <c>mprotect(PROT_READ)</c> on the region's first page, which the kernel must follow with a TLB shootdown by
/// IPI to every core running this process, then restores read-write, untimed (the frame: <see cref="HostBaseline"/>).
/// <para>Checked on every operation, untimed, without faulting: after the timed call the page is readable but not
/// writable, after the restore it is writable again, and its content never changes.</para>
/// </summary>
public static unsafe class MprotectWorkload
{
    const long Marker = 0x5EED_F00D_CAFE_0001;

    public static LatencySamples Run(int[] cores, SweepSize size)
    {
        long probes = 0, protects = 0, restores = 0;
        return HostBaseline.Run("Linux mprotect", cores, size, "the", () => $"{protects} mprotect(PROT_READ) and {restores} restoring calls",
            () => protects + restores, (region, reps) =>
            {
                nuint page = (nuint)LinuxVm.PageSize;
                *(long*)region = Marker;
                using var probe = new PageAccessProbe();
                for (int rep = 0; rep < size.Repetitions; rep++)
                {
                    reps.Begin();
                    for (int i = 0; i < size.OpsPerRepetition; i++)
                    {
                        ulong t0 = CycleClock.Now();
                        int rc = LinuxVm.mprotect(region, page, LinuxVm.PROT_READ);
                        ulong t1 = CycleClock.Now();
                        if (rc != 0) return $"mprotect(PROT_READ) failed: errno {Marshal.GetLastPInvokeError()}";
                        protects++;
                        reps.Record(i, t1 - t0);
                        if (probe.IsWritable(region)) return "after mprotect(PROT_READ) the page was still writable";
                        if (LinuxVm.mprotect(region, page, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE) != 0) return $"restoring read-write failed: errno {Marshal.GetLastPInvokeError()}";
                        restores++;
                        if (!probe.IsWritable(region)) return "after restoring PROT_READ|PROT_WRITE the page was not writable";
                        if (*(long*)region != Marker) return "the page's content changed";
                        probes += 2;
                    }
                    reps.End();
                }
                return null;
            },
            () => $"{probes} page-state probes passed (read-only after mprotect, writable after restore, content unchanged)");
    }
}

using System.Runtime.InteropServices;

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
/// next operation uses a fresh page. The frame (touchers, interrupt counts, repetitions): <see cref="HostBaseline"/>.</para>
/// </summary>
public static unsafe class MunmapWorkload
{
    const int MAP_FIXED_NOREPLACE = 0x100000;

    public static LatencySamples Run(int[] cores, SweepSize size)
    {
        long checkedOps = 0, taken = 0, unmaps = 0;
        return HostBaseline.Run("Linux munmap", cores, size, "a separate", () => $"{unmaps} munmap calls",
            () => unmaps, (_, reps) =>
            {
                nuint page = (nuint)LinuxVm.PageSize;
                string? failure = null;
                using var probe = new PageAccessProbe();
                nint target = Fresh(page, ref failure);
                for (int rep = 0; rep < size.Repetitions && failure == null; rep++)
                {
                    reps.Begin();
                    for (int i = 0; i < size.OpsPerRepetition && failure == null; i++)
                    {
                        long marker = (long)rep << 32 | (uint)(i + 1);
                        *(long*)target = marker; // populate: the page is present and cached in this core's TLB
                        ulong t0 = CycleClock.Now();
                        int rc = LinuxVm.munmap(target, page);
                        ulong t1 = CycleClock.Now();
                        if (rc != 0) { failure = $"munmap failed: errno {Marshal.GetLastPInvokeError()}"; break; }
                        unmaps++;
                        reps.Record(i, t1 - t0);
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
                    reps.End();
                }
                if (failure == null) LinuxVm.munmap(target, page);
                return failure;
            },
            () => $"{checkedOps} munmaps verified (the address could be mapped again and the new page read zero); {taken} not checkable (another mapping took the freed address first)");
    }

    static nint Fresh(nuint page, ref string? failure)
    {
        nint p = LinuxVm.mmap(0, page, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE, LinuxVm.MAP_PRIVATE | LinuxVm.MAP_ANONYMOUS, -1, 0);
        if (p == LinuxVm.MapFailed) failure = $"mmap failed: errno {Marshal.GetLastPInvokeError()}";
        return p;
    }
}

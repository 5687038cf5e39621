using System.Runtime.InteropServices;

namespace Multikernel.Hardware;

/// <summary>
/// Unmanaged memory in whole pages, zeroed, optionally placed on a NUMA node. The owner frees it exactly once with
/// <see cref="Free"/>.
/// <para>Invariant: every block is a fresh anonymous mapping of its own (mmap), so a node request is honoured for
/// every page: the policy (mbind, MPOL_PREFERRED) is set before any page is touched, then every page is faulted
/// in here (by the kernel with MADV_POPULATE_WRITE, or by a write per page where that is not available), so no page
/// fault is left for the hot path. (Memory from malloc would break this: a reused heap page
/// keeps the node where it was first touched, and mbind without MPOL_MF_MOVE does not move it; the emulated
/// multi-socket check in scripts/numa-vm found 40% of ring pages on the wrong node that way.) On a single-node
/// machine, or where mbind is refused, the pages stay where first touch puts them.</para>
/// </summary>
public static unsafe partial class NativeBlock
{
    const int PageSize = 4096;
    const long SYS_move_pages = 279; // x86-64

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long MovePages(long number, int pid, nuint count, void** pages, int* nodes, int* status, int flags);

    static long s_liveBytes;

    /// <summary>Bytes allocated through this type and not yet freed (used by tests to detect leaks).</summary>
    public static long LiveBytes => Interlocked.Read(ref s_liveBytes);

    static nuint Pages(nuint bytes) => (bytes + PageSize - 1) & ~(nuint)(PageSize - 1);

    /// <summary>Allocates at least <paramref name="bytes"/> bytes (whole pages, page-aligned, zeroed), on
    /// <paramref name="numaNode"/> where the machine has several NUMA nodes (-1: wherever first touch puts them).</summary>
    public static void* Alloc(nuint bytes, int numaNode = -1)
    {
        nuint size = Pages(bytes == 0 ? 1 : bytes);
        nint p = LinuxVm.mmap(0, size, LinuxVm.PROT_READ | LinuxVm.PROT_WRITE, LinuxVm.MAP_PRIVATE | LinuxVm.MAP_ANONYMOUS, -1, 0);
        if (p == -1)
            throw new OutOfMemoryException($"mmap of {size} bytes failed (errno {Marshal.GetLastSystemError()})");
        if (MachineTopology.Current.NumaNodes.Count > 1) LinuxVm.PreferNode(p, size, numaNode); // best effort, before first touch
        // Fault every page in now, under the policy just set: in one call where the kernel can (MADV_POPULATE_WRITE,
        // about 40% faster than a write per page: 93 against 160 ms for 256 MiB on the 2-core VM), else by writing the
        // zeros the fresh mapping already holds.
        if (LinuxVm.madvise(p, size, LinuxVm.MADV_POPULATE_WRITE) != 0) NativeMemory.Clear((void*)p, size);
        Interlocked.Add(ref s_liveBytes, (long)size);
        return (void*)p;
    }

    public static void Free(void* p, nuint bytes)
    {
        if (p == null) return;
        nuint size = Pages(bytes == 0 ? 1 : bytes);
        if (LinuxVm.munmap((nint)p, size) != 0)
            throw new InvalidOperationException($"munmap of {size} bytes at 0x{(nint)p:x} failed (errno {Marshal.GetLastSystemError()}): not a block of this size from NativeBlock.Alloc");
        Interlocked.Add(ref s_liveBytes, -(long)size);
    }

    /// <summary>
    /// The NUMA node each page of [<paramref name="p"/>, p + <paramref name="bytes"/>) is on now (move_pages query,
    /// nothing moves); a negative entry is the kernel's error for that page (e.g. -2: not present). Null where the
    /// query is not available (not x86-64 Linux).
    /// </summary>
    public static int[]? NodesOfPages(void* p, nuint bytes)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || !OperatingSystem.IsLinux()) return null;
        nuint first = (nuint)p & ~(nuint)(PageSize - 1);
        int count = (int)(Pages((nuint)p + bytes - first) / PageSize);
        var pages = new void*[count];
        var status = new int[count];
        for (int i = 0; i < count; i++) pages[i] = (void*)(first + (nuint)(i * PageSize));
        fixed (void** pp = pages)
        fixed (int* st = status)
            if (MovePages(SYS_move_pages, 0, (nuint)count, pp, null, st, 0) != 0) return null;
        return status;
    }
}

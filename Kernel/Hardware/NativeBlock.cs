using System.Runtime.InteropServices;

namespace Multikernel.Hardware;

/// <summary>
/// Unmanaged memory aligned to a cache line, zeroed, optionally bound to a NUMA node (mbind, best effort: on a
/// single-node machine or where the call is refused the memory stays where first touch puts it).
/// The owner frees it exactly once with <see cref="Free"/>.
/// </summary>
public static unsafe partial class NativeBlock
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, nint addr, nuint len, int mode, ulong* nodemask, nuint maxnode, uint flags);

    const long SYS_mbind = 237; // x86-64
    const int MPOL_PREFERRED = 1;

    static long s_liveBytes;

    /// <summary>Bytes allocated through this type and not yet freed (used by tests to detect leaks).</summary>
    public static long LiveBytes => Interlocked.Read(ref s_liveBytes);

    public static void* Alloc(nuint bytes, int numaNode = -1)
    {
        nuint size = (bytes + 4095) & ~(nuint)4095; // whole pages so mbind covers only ours
        void* p = NativeMemory.AlignedAlloc(size, 4096);
        if (numaNode >= 0 && numaNode < 64 && RuntimeInformation.ProcessArchitecture == Architecture.X64
            && MachineTopology.Current.NumaNodes.Count > 1)
        {
            ulong mask = 1UL << numaNode;
            syscall(SYS_mbind, (nint)p, size, MPOL_PREFERRED, &mask, 64, 0); // best effort, before first touch
        }
        NativeMemory.Clear(p, size);
        Interlocked.Add(ref s_liveBytes, (long)size);
        return p;
    }

    public static void Free(void* p, nuint bytes)
    {
        if (p == null) return;
        nuint size = (bytes + 4095) & ~(nuint)4095;
        NativeMemory.AlignedFree(p);
        Interlocked.Add(ref s_liveBytes, -(long)size);
    }
}

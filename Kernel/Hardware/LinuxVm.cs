using System.Runtime.InteropServices;

namespace Multikernel.Hardware;

/// <summary>
/// The Linux memory, file, pipe and NUMA-policy calls the kernel's host-facing parts (process mode's shared region and page
/// tables, page probes, native blocks) and the host baselines use (x86-64 / aarch64 Linux constants; the mbind
/// system call number is x86-64's, and <see cref="PreferNode"/> does nothing elsewhere).
/// </summary>
public static unsafe partial class LinuxVm
{
    public const int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2;
    public const int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000, MAP_FIXED_NOREPLACE = 0x100000;
    public const int O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public const int EFAULT = 14, EAGAIN = 11;
    public static readonly nint MapFailed = -1;
    const long SYS_mbind = 237; // x86-64
    const int MPOL_PREFERRED = 1;

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(nint addr, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int mprotect(nint addr, nuint length, int prot);

    /// <summary>madvise advice: fault every page of the range in as writable, in the kernel (Linux 5.14 and later; EINVAL before).</summary>
    public const int MADV_POPULATE_WRITE = 23;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int madvise(nint addr, nuint length, int advice);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    public const int O_RDWR = 2;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    public const uint MFD_CLOEXEC = 1;

    /// <summary>An anonymous memory object (a file in memory) of size 0, shared with whoever gets its descriptor.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint pread(int fd, void* buffer, nuint count, long offset);

    public const int SEEK_END = 2;

    /// <summary>With <see cref="SEEK_END"/> and offset 0: the size of the file (or memory object) in bytes; -1 on failure.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Mbind(long number, nint addr, nuint len, int mode, ulong* nodemask, nuint maxnode, uint flags);

    public static int PageSize => Environment.SystemPageSize;

    /// <summary>Maps <paramref name="pages"/> private anonymous read-write pages, populated; throws with errno on failure.</summary>
    public static nint MapAnonymous(int pages)
    {
        nint p = mmap(0, (nuint)(pages * PageSize), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p == MapFailed) throw new InvalidOperationException($"mmap of {pages} page(s) failed: errno {Marshal.GetLastPInvokeError()}");
        return p;
    }

    /// <summary>
    /// Best effort, before first touch: asks that the pages of [<paramref name="at"/>, +<paramref name="bytes"/>) come
    /// from NUMA node <paramref name="node"/> (mbind, MPOL_PREFERRED). Does nothing for node -1, a node above 63, or
    /// on an architecture other than x86-64.
    /// </summary>
    public static void PreferNode(nint at, nuint bytes, int node)
    {
        if (node < 0 || node >= 64 || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        ulong mask = 1UL << node;
        Mbind(SYS_mbind, at, bytes, MPOL_PREFERRED, &mask, 64, 0);
    }
}

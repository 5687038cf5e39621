using System.Runtime.InteropServices;

namespace Fig3.TlbShootdown;

/// <summary>The Linux memory and pipe calls the host baselines use (x86-64 / aarch64 Linux constants).</summary>
public static unsafe partial class LinuxVm
{
    public const int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2;
    public const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000;
    public const int O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public const int EFAULT = 14, EAGAIN = 11;
    public static readonly nint MapFailed = -1;

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int munmap(nint addr, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int mprotect(nint addr, nuint length, int prot);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    public static int PageSize => Environment.SystemPageSize;

    /// <summary>Maps <paramref name="pages"/> private anonymous read-write pages, populated; throws with errno on failure.</summary>
    public static nint MapAnonymous(int pages)
    {
        nint p = mmap(0, (nuint)(pages * PageSize), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p == MapFailed) throw new InvalidOperationException($"mmap of {pages} page(s) failed: errno {Marshal.GetLastPInvokeError()}");
        return p;
    }
}

using System.Runtime.InteropServices;

namespace Multikernel.Net.Wire;

/// <summary>The few libc calls needed to move one thread into a network namespace and to mark one as held.</summary>
internal static unsafe partial class NamespaceCalls
{
    public const int O_RDONLY = 0, O_CLOEXEC = 0x80000, CLONE_NEWNET = 0x40000000;
    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, EINTR = 4, EWOULDBLOCK = 11;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport("libc")]
    public static partial uint geteuid();
}

using System.Runtime.InteropServices;

namespace Multikernel.Drivers;

/// <summary>A socket system call failed with <see cref="Errno"/> (not EAGAIN/EINTR).</summary>
public sealed class SocketCallException(string call, int errno)
    : IOException($"{call} failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})")
{
    public int Errno { get; } = errno;
}

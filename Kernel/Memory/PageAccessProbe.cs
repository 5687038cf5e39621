using System.Runtime.InteropServices;
using Multikernel.Hardware;

namespace Multikernel.Memory;

/// <summary>
/// Asks the kernel, without ever faulting this process, whether a page is readable or writable: it makes the kernel
/// copy one byte from the page into a pipe (<c>write</c>, fails with EFAULT if the page cannot be read) or from the
/// pipe into the page (<c>read</c>, fails with EFAULT if the page cannot be written). The write probe writes back the
/// byte the page already holds, so a writable page keeps its content.
/// <para>Invariant: the pipe is empty between probes (a failed copy is drained), so each probe sees only its own byte.</para>
/// </summary>
public sealed unsafe class PageAccessProbe : IDisposable
{
    readonly int _readEnd, _writeEnd;
    bool _disposed;

    public PageAccessProbe()
    {
        int* fds = stackalloc int[2];
        if (LinuxVm.pipe2(fds, LinuxVm.O_NONBLOCK | LinuxVm.O_CLOEXEC) != 0)
            throw new InvalidOperationException($"pipe2 failed: errno {Marshal.GetLastPInvokeError()}");
        _readEnd = fds[0];
        _writeEnd = fds[1];
    }

    /// <summary>True when the kernel can read a byte at <paramref name="address"/> on this process's behalf.</summary>
    public bool IsReadable(nint address)
    {
        nint n = LinuxVm.write(_writeEnd, (void*)address, 1);
        if (n == 1) { Drain(); return true; }
        int errno = Marshal.GetLastPInvokeError();
        return errno == LinuxVm.EFAULT ? false : throw new InvalidOperationException($"probe write failed: errno {errno}");
    }

    /// <summary>Reads 8 bytes at <paramref name="address"/> through the kernel; false (no fault) when they cannot be read.</summary>
    public bool TryReadLong(nint address, out long value)
    {
        value = 0;
        nint n = LinuxVm.write(_writeEnd, (void*)address, 8);
        if (n != 8)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (n < 0 && errno == LinuxVm.EFAULT) return false;
            Drain();
            throw new InvalidOperationException($"probe write of 8 bytes returned {n}: errno {errno}");
        }
        long v;
        if (LinuxVm.read(_readEnd, &v, 8) != 8) throw new InvalidOperationException($"probe read failed: errno {Marshal.GetLastPInvokeError()}");
        value = v;
        return true;
    }

    /// <summary>True when the kernel can write a byte at <paramref name="address"/> (the page must be readable: its byte is written back unchanged).</summary>
    public bool IsWritable(nint address)
    {
        byte current = *(byte*)address;
        if (LinuxVm.write(_writeEnd, &current, 1) != 1) throw new InvalidOperationException($"probe write failed: errno {Marshal.GetLastPInvokeError()}");
        nint n = LinuxVm.read(_readEnd, (void*)address, 1);
        if (n == 1) return true;
        int errno = Marshal.GetLastPInvokeError();
        Drain();
        return errno == LinuxVm.EFAULT ? false : throw new InvalidOperationException($"probe read failed: errno {errno}");
    }

    void Drain()
    {
        byte b;
        while (LinuxVm.read(_readEnd, &b, 1) == 1) { }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        LinuxVm.close(_readEnd);
        LinuxVm.close(_writeEnd);
    }
}

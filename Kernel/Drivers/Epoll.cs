using System.Runtime.InteropServices;

namespace Multikernel.Drivers;

/// <summary>
/// A Linux epoll instance, owned and waited on by one core (the driver's). Registration carries a 64-bit token that
/// comes back with each ready event; <see cref="Wait"/> with timeout 0 is a poll that never blocks.
/// Level-triggered: a descriptor stays ready until it has been drained, so a driver that stops reading (no free
/// buffer) sees it again next round and loses nothing.
/// </summary>
public sealed unsafe partial class Epoll : IDisposable
{
    public const uint In = 0x001, Out = 0x004, Err = 0x008, Hup = 0x010, RdHup = 0x2000;
    const int EPOLL_CLOEXEC = 0x80000, CtlAdd = 1, CtlDel = 2, CtlMod = 3;

    /// <summary>struct epoll_event as the x86-64 kernel lays it out (packed: 12 bytes, the token at offset 4).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct Event
    {
        public uint Events;
        public ulong Token;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, Event* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, Event* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    readonly int _fd;
    int _disposed;

    public Epoll()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new PlatformNotSupportedException($"the epoll event layout here is x86-64's; this process runs on {RuntimeInformation.ProcessArchitecture}");
        _fd = epoll_create1(EPOLL_CLOEXEC);
        if (_fd < 0) throw new SocketCallException("epoll_create1", Marshal.GetLastPInvokeError());
    }

    public void Add(int fd, uint events, ulong token) => Ctl(CtlAdd, fd, events, token, "epoll_ctl(ADD)");
    public void Modify(int fd, uint events, ulong token) => Ctl(CtlMod, fd, events, token, "epoll_ctl(MOD)");
    public void Remove(int fd) => Ctl(CtlDel, fd, 0, 0, "epoll_ctl(DEL)");

    void Ctl(int op, int fd, uint events, ulong token, string what)
    {
        var ev = new Event { Events = events, Token = token };
        if (epoll_ctl(_fd, op, fd, &ev) < 0) throw new SocketCallException(what, Marshal.GetLastPInvokeError());
    }

    /// <summary>Fills <paramref name="events"/> with ready descriptors; returns how many (0 when none or interrupted).</summary>
    public int Wait(Span<Event> events, int timeoutMs)
    {
        fixed (Event* e = events)
        {
            int n = epoll_wait(_fd, e, events.Length, timeoutMs);
            if (n >= 0) return n;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == SocketCalls.EINTR) return 0;
            throw new SocketCallException("epoll_wait", errno);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) close(_fd);
    }
}

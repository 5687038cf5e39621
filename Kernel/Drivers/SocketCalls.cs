using System.Runtime.InteropServices;

namespace Multikernel.Drivers;

/// <summary>
/// The few Linux socket system calls a polling driver needs, called directly so that a poll that finds nothing
/// returns -1/EAGAIN instead of throwing (no exception, no allocation on the hot path). Every call is non-blocking
/// (<see cref="MSG_DONTWAIT"/>) unless the socket itself blocks.
/// </summary>
public static unsafe partial class SocketCalls
{
    public const int MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000, MSG_TRUNC = 0x20;
    public const int EAGAIN = 11, EINTR = 4;
    /// <summary>Room for any socket address this suite uses (sockaddr_in6 is 28 bytes).</summary>
    public const int AddressBytes = 32;

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvfrom(int fd, byte* buf, nuint len, int flags, byte* addr, uint* addrlen);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendto(int fd, byte* buf, nuint len, int flags, byte* addr, uint addrlen);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, byte* buf, nuint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, byte* buf, nuint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int accept4(int fd, byte* addr, uint* addrlen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, int* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);

    const int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000, IPPROTO_TCP = 6, TCP_NODELAY = 1;

    /// <summary>Accepts one pending connection as a non-blocking descriptor with Nagle off; -1 when none is pending.</summary>
    public static int TryAccept(int listenFd)
    {
        int fd = accept4(listenFd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is EAGAIN or EINTR || PendingConnectionFailed(errno)) return -1;
            throw new SocketCallException("accept4", errno);
        }
        int one = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int)) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Epoll.close(fd);
            throw new SocketCallException("setsockopt(TCP_NODELAY)", errno);
        }
        return fd;
    }

    /// <summary>
    /// True for an accept4 error that belongs to the pending connection, not to the listening socket: the connection
    /// was aborted, or (Linux passes a pending network error of the new socket up through accept) the network failed
    /// under it. accept(2) says to treat these like EAGAIN and try again; the listening socket is still good. Any other
    /// error (EBADF, EMFILE, ENOBUFS, ...) is the listener's or the process's and ends the accept loop.
    /// </summary>
    internal static bool PendingConnectionFailed(int errno) =>
        errno is ECONNABORTED or ENETDOWN or EPROTO or ENOPROTOOPT or EHOSTDOWN or ENONET or EHOSTUNREACH or EOPNOTSUPP or ENETUNREACH;

    // Linux's errno values (asm-generic/errno.h) of accept(2)'s "treat like EAGAIN" list.
    const int ENONET = 64, EPROTO = 71, ENOPROTOOPT = 92, EOPNOTSUPP = 95, ENETDOWN = 100, ENETUNREACH = 101, EHOSTDOWN = 112, EHOSTUNREACH = 113;

    /// <summary>Closes a descriptor this code opened (accept).</summary>
    public static void Close(int fd) => Epoll.close(fd);

    public const int ECONNABORTED = 103, ENOTCONN = 107;
    const int SHUT_WR = 1;

    /// <summary>Ends the sending side of a stream (shutdown SHUT_WR: the peer reads end-of-stream after the bytes
    /// already sent) while its receiving side stays open; false when the connection is already gone (reset).</summary>
    public static bool TryShutdownSend(int fd)
    {
        if (shutdown(fd, SHUT_WR) == 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        if (errno == ENOTCONN) return false;
        throw new SocketCallException("shutdown", errno);
    }

    /// <summary>One entry of poll(2): a descriptor and the events asked for / seen.</summary>
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    public const short POLLIN = 0x1;

    /// <summary>Blocks until one of <paramref name="fds"/> is ready or <paramref name="timeoutMs"/> passes; returns the number ready (0 on timeout or a signal).</summary>
    public static int Poll(PollFd* fds, int count, int timeoutMs)
    {
        int n = poll(fds, (nuint)count, timeoutMs);
        if (n >= 0) return n;
        Failed("poll");
        return 0;
    }

    /// <summary>Receives one datagram without blocking. Returns its full length (MSG_TRUNC: more than <paramref name="length"/>
    /// when it did not fit, and then only <paramref name="length"/> bytes were stored), or -1 when none is queued; throws on a real error.</summary>
    /// <param name="address">At least <see cref="AddressBytes"/> bytes: receives the sender's address.</param>
    /// <param name="addressLength">Receives the address length.</param>
    public static int TryReceiveFrom(int fd, byte* buffer, int length, byte* address, out int addressLength)
    {
        uint alen = AddressBytes;
        nint n = recvfrom(fd, buffer, (nuint)length, MSG_DONTWAIT | MSG_TRUNC, address, &alen);
        addressLength = (int)alen;
        return n >= 0 ? (int)n : Failed("recvfrom");
    }

    /// <summary>Sends one datagram to <paramref name="address"/>; returns false if the socket buffer is full.</summary>
    public static bool TrySendTo(int fd, byte* buffer, int length, byte* address, int addressLength)
    {
        nint n = sendto(fd, buffer, (nuint)length, MSG_DONTWAIT | MSG_NOSIGNAL, address, (uint)addressLength);
        return n >= 0 || Failed("sendto") >= 0;
    }

    /// <summary>Receives stream bytes without blocking: the count (0 = the peer closed), or -1 when nothing is queued; throws on a real error.</summary>
    public static int TryReceive(int fd, byte* buffer, int length) =>
        recv(fd, buffer, (nuint)length, MSG_DONTWAIT) is var n && n >= 0 ? (int)n : Failed("recv");

    /// <summary>Sends stream bytes without blocking: the count accepted (possibly fewer than asked), or -1 when the buffer is full; throws on a real error.</summary>
    public static int TrySend(int fd, byte* buffer, int length) =>
        send(fd, buffer, (nuint)length, MSG_DONTWAIT | MSG_NOSIGNAL) is var n && n >= 0 ? (int)n : Failed("send");

    /// <summary>-1 for "try again"; throws for any other errno.</summary>
    static int Failed(string call)
    {
        int errno = Marshal.GetLastPInvokeError();
        if (errno is EAGAIN or EINTR) return -1;
        throw new SocketCallException(call, errno);
    }
}

using System.Net;
using System.Net.Sockets;
using Multikernel.Drivers;

namespace NetEcho;

/// <summary>
/// The host's own UDP echo over the same wire: a socket in the server namespace (the wire lends the server address
/// to the kernel for it), drained without blocking and answered with sendto, blocking in poll(2) for at most 1 ms
/// when empty. This is what the kernel stack costs for the same load; the user-level stack is compared with it.
/// </summary>
public sealed unsafe class KernelEcho(Socket socket)
{
    public long Echoed { get; private set; }

    public void Run(CancellationToken stop)
    {
        int fd = (int)socket.Handle;
        socket.Blocking = false;
        var buffer = new byte[65536];
        var address = new byte[SocketCalls.AddressBytes];
        var poll = new SocketCalls.PollFd { Fd = fd, Events = SocketCalls.POLLIN };
        fixed (byte* b = buffer, a = address)
        {
            while (!stop.IsCancellationRequested)
            {
                int n = SocketCalls.TryReceiveFrom(fd, b, buffer.Length, a, out int alen);
                if (n < 0) { SocketCalls.Poll(&poll, 1, 1); continue; }
                if (SocketCalls.TrySendTo(fd, b, n, a, alen)) Echoed++;
            }
        }
    }

    public static Socket Bind(IPEndPoint at)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(at);
        return s;
    }
}

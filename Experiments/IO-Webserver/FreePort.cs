using System.Net;
using System.Net.Sockets;

namespace IOWebserver;

/// <summary>Ports for servers that bind their own socket in another process (lighttpd, the Kestrel child).</summary>
public static class FreePort
{
    /// <summary>A port free on 127.0.0.1 right now (the kernel picks it); another program could take it before the server binds, which then fails to start and says so.</summary>
    public static int Pick()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>Waits until something accepts TCP connections on the port; false on timeout.</summary>
    public static bool WaitUntilListening(int port, TimeSpan timeout, Func<bool> gaveUp) =>
        WaitUntilListening(() =>
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(new IPEndPoint(IPAddress.Loopback, port));
        }, timeout, gaveUp);

    /// <summary>Waits until <paramref name="connect"/> (one connection attempt) stops throwing <see cref="SocketException"/>; false on timeout.</summary>
    public static bool WaitUntilListening(Action connect, TimeSpan timeout, Func<bool> gaveUp)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end && !gaveUp())
        {
            try
            {
                connect();
                return true;
            }
            catch (SocketException) { Thread.Sleep(50); }
        }
        return false;
    }
}

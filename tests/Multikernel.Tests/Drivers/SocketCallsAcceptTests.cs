using System.Net;
using System.Net.Sockets;
using Multikernel.Drivers;

namespace Multikernel.Tests;

/// <summary>
/// Which accept4 errors end a TCP driver's accept loop (<see cref="SocketCalls.TryAccept"/>): accept(2) on Linux passes
/// a pending connection's network error up through accept and asks the caller to treat those like EAGAIN.
/// </summary>
public class SocketCallsAcceptTests
{
    [Theory]
    // ECONNABORTED, then accept(2)'s list for TCP/IP: ENETDOWN, EPROTO, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH,
    // EOPNOTSUPP, ENETUNREACH: the pending connection's, so the listener goes on serving.
    [InlineData(103, true), InlineData(100, true), InlineData(71, true), InlineData(92, true), InlineData(112, true)]
    [InlineData(64, true), InlineData(113, true), InlineData(95, true), InlineData(101, true)]
    // EBADF, ENOTSOCK, EINVAL, EMFILE, ENFILE, ENOBUFS, ENOMEM: the listener's or the process's, not the connection's.
    [InlineData(9, false), InlineData(88, false), InlineData(22, false), InlineData(24, false), InlineData(23, false)]
    [InlineData(105, false), InlineData(12, false)]
    public void OnlyAPendingConnectionsOwnErrorIsTakenForAGoneConnection(int errno, bool connectionGone) =>
        Assert.Equal(connectionGone, SocketCalls.PendingConnectionFailed(errno));

    [Fact]
    public void NothingPendingIsMinusOneAndABadListenerThrowsNamingTheCall()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        listener.Blocking = false;
        Assert.Equal(-1, SocketCalls.TryAccept((int)listener.Handle));

        var e = Assert.Throws<SocketCallException>(() => SocketCalls.TryAccept(-1));
        Assert.Contains("accept4", e.Message);
    }
}

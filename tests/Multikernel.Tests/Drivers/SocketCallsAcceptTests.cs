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
    // ECONNABORTED, then accept(2)'s list for TCP/IP: ENETDOWN, EPROTO, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH.
    [InlineData(103)]
    [InlineData(100)]
    [InlineData(71)]
    [InlineData(92)]
    [InlineData(112)]
    [InlineData(64)]
    [InlineData(113)]
    [InlineData(95)]
    [InlineData(101)]
    public void APendingConnectionsNetworkErrorLeavesTheListenerServing(int errno) =>
        Assert.True(SocketCalls.PendingConnectionFailed(errno));

    [Theory]
    // EBADF, ENOTSOCK, EINVAL, EMFILE, ENFILE, ENOBUFS, ENOMEM: the listener's or the process's, not the connection's.
    [InlineData(9)]
    [InlineData(88)]
    [InlineData(22)]
    [InlineData(24)]
    [InlineData(23)]
    [InlineData(105)]
    [InlineData(12)]
    public void AnErrorOfTheListenerOrTheProcessIsNotTakenForAGoneConnection(int errno) =>
        Assert.False(SocketCalls.PendingConnectionFailed(errno));

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

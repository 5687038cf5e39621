using System.Net;
using System.Net.Sockets;
using Multikernel.Drivers;
using Multikernel.Net.Cores;

namespace Multikernel.Tests;

/// <summary>
/// The TCP NIC driver's run upcall called in process on a loopback listener, with the test as the server on the other
/// ends of two URPC rings (no cores, no root); also the timeout options it shares with the user-level stack's bridge.
/// </summary>
public sealed class TcpNicDriverTests : IDisposable
{
    readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    readonly PacketPool _rxPool = new(16, 2048), _txPool = new(8, 2048);
    readonly UrpcRing _toServer = UrpcRing.Allocate(256), _fromServer = UrpcRing.Allocate(256);
    readonly TcpNicDriver _driver;

    public TcpNicDriverTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        _driver = new TcpNicDriver(_listener, _rxPool, _txPool, new UrpcEndpoint(_toServer.Sender, _fromServer.Receiver));
        _driver.OnStart();
    }

    public void Dispose()
    {
        _driver.OnStop();
        _listener.Dispose();
        _toServer.Dispose();
        _fromServer.Dispose();
        _rxPool.Dispose();
        _txPool.Dispose();
    }

    /// <summary>Runs the driver until <paramref name="done"/> holds for the messages it sent the server (bounded).</summary>
    List<UrpcMessage> RunUntil(Func<List<UrpcMessage>, bool> done)
    {
        var got = new List<UrpcMessage>();
        // Loopback delivers a connection, its bytes and its reset before the client's call returns; the bound only
        // keeps a failing test from spinning for ever.
        for (int round = 0; round < 200_000 && !done(got); round++)
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            _driver.Run();
            while (_toServer.Receiver.TryReceive(out UrpcMessage m)) got.Add(m);
        }
        return got;
    }

    /// <summary>
    /// A client that resets its connection: the server hears ReadEnd (the reset reads as the end of its stream), and
    /// its Close then ends the connection with exactly one Closed; the receive buffers all come back.
    /// </summary>
    [Fact]
    public void AResetConnectionEndsWithOneClosedAfterTheServersClose()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(_listener.LocalEndPoint!);
        var open = Assert.Single(RunUntil(g => g.Count >= 1));
        Assert.Equal(NicMessages.Open.TypeId, open.Type);
        ulong id = NicMessages.Open.Decode(in open).Flow;

        client.LingerState = new LingerOption(true, 0);
        client.Close(); // RST
        var end = RunUntil(g => g.Exists(m => m.Type == NicMessages.ReadEnd.TypeId));
        Assert.Contains(end, m => m.Type == NicMessages.ReadEnd.TypeId);
        foreach (var m in end)
            if (m.Type == NicMessages.Rx.TypeId) Assert.True(_fromServer.Sender.TrySend(new NicMessages.RxDone(NicMessages.Rx.Decode(in m).Buffer, id)));

        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(id)));
        var closed = RunUntil(g => g.Exists(m => m.Type == NicMessages.Closed.TypeId));
        for (int i = 0; i < 10; i++) _driver.Run();
        while (_toServer.Receiver.TryReceive(out UrpcMessage m)) closed.Add(m);
        Assert.Single(closed, m => m.Type == NicMessages.Closed.TypeId);
        Assert.Equal(1L, _driver.Counters.Closed);
        Assert.Equal(_rxPool.Count, _rxPool.Available);
    }

    /// <summary>
    /// The server closes a connection whose client then resets it while it lingers: Closed was the server's last
    /// message (sent when the lingering began), the reset ends the lingering and frees the socket, and the receive
    /// pool is whole again.
    /// </summary>
    [Fact]
    public void AResetWhileLingeringEndsTheConnectionWithoutASecondClosed()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(_listener.LocalEndPoint!);
        ulong id = NicMessages.Open.Decode(Assert.Single(RunUntil(g => g.Count >= 1))).Flow;

        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(id)));
        var closed = Assert.Single(RunUntil(g => g.Count >= 1));
        Assert.Equal(NicMessages.Closed.TypeId, closed.Type);
        Assert.Equal(1L, _driver.Counters.Lingered);

        client.Send("bytes after the close"u8);
        client.LingerState = new LingerOption(true, 0);
        client.Close(); // RST
        Assert.Empty(RunUntil(_ => _driver.Counters.Closed == 1));
        Assert.Equal(1L, _driver.Counters.Closed);
        Assert.Equal(_rxPool.Count, _rxPool.Available);
    }

    /// <summary>Open epoll descriptors of this process (links in /proc/self/fd to the eventpoll inode).</summary>
    static int EpollDescriptors() => Directory.EnumerateFiles("/proc/self/fd").Count(fd =>
    {
        try { return new FileInfo(fd).LinkTarget == "anon_inode:[eventpoll]"; }
        catch (IOException) { return false; } // closed while listed
    });

    /// <summary>
    /// A driver whose construction fails (a listener already closed), or that is made and never started (the server
    /// failed before spawning it), leaves no epoll descriptor behind; one started and stopped closes its own.
    /// </summary>
    [Fact]
    public void ADriverNeverStartedOrNotMadeHoldsNoEpollDescriptor()
    {
        int before = EpollDescriptors();
        var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Dispose();
        var endpoint = new UrpcEndpoint(_toServer.Sender, _fromServer.Receiver);
        for (int i = 0; i < 8; i++)
        {
            Assert.Throws<ObjectDisposedException>(() => new TcpNicDriver(closed, _rxPool, _txPool, endpoint));
            _ = new TcpNicDriver(_listener, _rxPool, _txPool, endpoint);
        }
        Assert.Equal(before, EpollDescriptors());

        var started = new TcpNicDriver(_listener, _rxPool, _txPool, endpoint);
        started.OnStart();
        Assert.Equal(before + 1, EpollDescriptors());
        started.OnStop();
        Assert.Equal(before, EpollDescriptors());
    }

    /// <summary>
    /// A timeout of zero, less, or under a millisecond (the clocks count whole milliseconds) is refused by the driver and
    /// by the user-level stack's bridge, naming the property: such an owner would close every connection, or end every
    /// lingering close, at its first sweep. A millisecond is kept.
    /// </summary>
    [Theory]
    [InlineData(false, nameof(TcpNicDriver.IdleTimeout), 0.0)]
    [InlineData(false, nameof(TcpNicDriver.RequestTimeout), -1.0)] // Timeout.InfiniteTimeSpan
    [InlineData(false, nameof(TcpNicDriver.LingerTimeout), -2000.0)]
    [InlineData(false, nameof(TcpNicDriver.LingerTimeout), 0.5)]
    [InlineData(true, nameof(TcpStreamBridge.IdleTimeout), -1.0)]
    [InlineData(true, nameof(TcpStreamBridge.RequestTimeout), 0.0)]
    [InlineData(true, nameof(TcpStreamBridge.LingerTimeout), -0.5)]
    public void ATimeoutUnderAMillisecondIsRefusedNamingTheProperty(bool bridge, string property, double ms)
    {
        var endpoint = new UrpcEndpoint(_toServer.Sender, _fromServer.Receiver);
        TimeSpan Made(TimeSpan t) => (bridge, property) switch
        {
            (false, nameof(TcpNicDriver.IdleTimeout)) => new TcpNicDriver(_listener, _rxPool, _txPool, endpoint) { IdleTimeout = t }.IdleTimeout,
            (false, nameof(TcpNicDriver.RequestTimeout)) => new TcpNicDriver(_listener, _rxPool, _txPool, endpoint) { RequestTimeout = t }.RequestTimeout,
            (false, _) => new TcpNicDriver(_listener, _rxPool, _txPool, endpoint) { LingerTimeout = t }.LingerTimeout,
            (true, nameof(TcpStreamBridge.IdleTimeout)) => new TcpStreamBridge(80, 4, _rxPool, _txPool, endpoint) { IdleTimeout = t }.IdleTimeout,
            (true, nameof(TcpStreamBridge.RequestTimeout)) => new TcpStreamBridge(80, 4, _rxPool, _txPool, endpoint) { RequestTimeout = t }.RequestTimeout,
            (true, _) => new TcpStreamBridge(80, 4, _rxPool, _txPool, endpoint) { LingerTimeout = t }.LingerTimeout,
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Made(TimeSpan.FromMilliseconds(ms)));
        Assert.Equal(property, e.ParamName);
        Assert.Contains($"{property} must be at least 1 ms", e.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(1), Made(TimeSpan.FromMilliseconds(1)));
    }
}

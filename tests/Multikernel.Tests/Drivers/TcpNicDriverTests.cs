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
    readonly PacketPool _rxPool = new(16, 2048), _txPool = new(8, TxBuffer);
    const int TxBuffer = 32 << 10; // more than the socket buffers of a slow reader hold
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

    /// <summary>Runs the driver (the fixture's unless <paramref name="driver"/>) until <paramref name="done"/> holds for the messages it sent the server (bounded).</summary>
    List<UrpcMessage> RunUntil(Func<List<UrpcMessage>, bool> done, TcpNicDriver? driver = null)
    {
        driver ??= _driver;
        var got = new List<UrpcMessage>();
        // Loopback delivers a connection, its bytes and its reset before the client's call returns; the bound only
        // keeps a failing test from spinning for ever.
        for (int round = 0; round < 200_000 && !done(got); round++)
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            driver.Run();
            while (_toServer.Receiver.TryReceive(out UrpcMessage m)) got.Add(m);
        }
        return got;
    }

    /// <summary>A client connected to the listener (accepted by the driver's next run).</summary>
    Socket Connect(int receiveBuffer = 0)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer > 0) client.ReceiveBufferSize = receiveBuffer;
        client.Connect(_listener.LocalEndPoint!);
        return client;
    }

    /// <summary>Runs the driver (the fixture's unless <paramref name="driver"/>) until it has told the server of <paramref name="count"/> new connections; their ids.</summary>
    List<ulong> Opened(int count, TcpNicDriver? driver = null)
    {
        var got = RunUntil(g => g.Count >= count, driver);
        Assert.Equal(count, got.Count);
        return got.Select(m =>
        {
            Assert.Equal(NicMessages.Open.TypeId, m.Type);
            return NicMessages.Open.Decode(in m).Flow;
        }).ToList();
    }

    static int CountOf(List<UrpcMessage> messages, byte type) => messages.Count(m => m.Type == type);

    /// <summary>
    /// A client that resets its connection: the server hears ReadEnd (the reset reads as the end of its stream), and
    /// its Close then ends the connection with exactly one Closed; the receive buffers all come back.
    /// </summary>
    [Fact]
    public void AResetConnectionEndsWithOneClosedAfterTheServersClose()
    {
        using var client = Connect();
        ulong id = Opened(1)[0];

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
        using var client = Connect();
        ulong id = Opened(1)[0];

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

    /// <summary>
    /// A connection's slot is reused under a new id: a response for the closed connection that had the slot comes
    /// back unsent (its buffer free again), and a Close for it leaves the new connection open.
    /// </summary>
    [Fact]
    public void ADescriptorForAClosedConnectionIsNotTakenForTheNextConnectionInItsSlot()
    {
        ulong old;
        using (var first = Connect())
        {
            old = Opened(1)[0];
            Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(old)));
            Assert.Equal(NicMessages.Closed.TypeId, Assert.Single(RunUntil(g => g.Count >= 1)).Type);
        }
        Assert.Empty(RunUntil(_ => _driver.Counters.Closed == 1)); // the client closed its side: the lingering ends
        using var second = Connect();
        ulong id = Opened(1)[0];
        Assert.Equal(TcpNicDriver.Slot(old), TcpNicDriver.Slot(id));
        Assert.NotEqual(old, id);

        "stale"u8.CopyTo(_txPool[0]);
        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Tx(0, 5, old)));
        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(old)));
        var back = Assert.Single(RunUntil(g => g.Count >= 1));
        Assert.Equal(new NicMessages.TxDone(0, old), NicMessages.TxDone.Decode(in back));
        for (int i = 0; i < 10; i++) _driver.Run();
        Assert.False(_toServer.Receiver.TryReceive(out _));
        // Loopback queues bytes at the client before the driver's send returns: none came.
        Assert.False(second.Poll(0, SelectMode.SelectRead), "the new connection got the closed one's response, or was closed by its Close");
        Assert.Equal(1L, _driver.Counters.Closed);
        Assert.Equal(1L, _driver.Counters.Lingered);
    }

    /// <summary>A transmit descriptor of no bytes, or one reaching past its buffer, is refused naming it (before its connection is looked up).</summary>
    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, -1)]
    [InlineData(TxBuffer - 8, 9)]
    [InlineData(-1, 8)]
    public void ABadTxDescriptorIsRefused(int offset, int length)
    {
        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Tx(3, length, 0, offset)));
        var e = Assert.Throws<InvalidDataException>(() => _driver.Run());
        Assert.Contains($"bad Tx descriptor (buffer 3, offset {offset}, length {length})", e.Message);
    }

    /// <summary>
    /// Once the server has closed a connection, a response it still sends for it comes back unsent and changes nothing:
    /// the connection lingers on, the client reads only the end of the stream, and no second Closed follows.
    /// </summary>
    [Fact]
    public void AResponseAfterTheServersCloseComesBackUnsent()
    {
        using var client = Connect();
        ulong id = Opened(1)[0];
        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(id)));
        Assert.Equal(NicMessages.Closed.TypeId, Assert.Single(RunUntil(g => g.Count >= 1)).Type);

        "late"u8.CopyTo(_txPool[1]);
        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Tx(1, 4, id)));
        var back = Assert.Single(RunUntil(g => g.Count >= 1));
        Assert.Equal(new NicMessages.TxDone(1, id), NicMessages.TxDone.Decode(in back));
        for (int i = 0; i < 10; i++) _driver.Run();
        Assert.False(_toServer.Receiver.TryReceive(out _));
        Assert.Equal(0, client.Receive(new byte[16])); // end of stream, no bytes
        Assert.Equal(0L, _driver.Counters.Closed);
        Assert.Equal(1L, _driver.Counters.Lingered);
    }

    /// <summary>
    /// Back-pressure: with <see cref="ServedConnection.RxCredits"/> buffers of a connection out at the server, the driver
    /// neither reads the connection nor is woken for it (a run finds nothing to do) though the client has sent more;
    /// one buffer back and the rest is read.
    /// </summary>
    [Fact]
    public void AConnectionAtItsReceiveCreditsIsNeitherReadNorPolledUntilABufferComesBack()
    {
        using var client = Connect();
        ulong id = Opened(1)[0];
        client.Send(new byte[ServedConnection.RxCredits * _rxPool.BufferSize + 100]);
        var rx = RunUntil(g => g.Count >= ServedConnection.RxCredits);
        Assert.Equal(ServedConnection.RxCredits, CountOf(rx, NicMessages.Rx.TypeId));
        Assert.Equal(1L, _driver.Counters.Paused);
        for (int i = 0; i < 10; i++) Assert.False(_driver.Run(), $"run {i} of a driver whose only connection is paused did something");
        Assert.False(_toServer.Receiver.TryReceive(out _));

        Assert.True(_fromServer.Sender.TrySend(new NicMessages.RxDone(NicMessages.Rx.Decode(rx[0]).Buffer, id)));
        var more = RunUntil(g => g.Count >= 1);
        Assert.Equal(NicMessages.Rx.TypeId, Assert.Single(more).Type);
    }

    /// <summary>
    /// Responses larger than the socket buffers reach a client that reads slowly whole and in order (each response is
    /// larger than the buffers, so it is sent in parts, each going on where the last stopped); the server's Close waits for them. The client ended its sending side meanwhile: no ReadEnd
    /// (the server has already closed), and with both sides done the connection closes at once, without lingering.
    /// </summary>
    [Fact]
    public void ResponsesLargerThanTheSocketBuffersReachASlowReaderWholeBeforeTheClose()
    {
        _listener.SendBufferSize = 4096; // inherited by the accepted connection
        using var client = Connect(receiveBuffer: 4096);
        ulong id = Opened(1)[0];
        int size = _txPool.BufferSize;
        var expected = new byte[_txPool.Count * size];
        for (int k = 0; k < expected.Length; k++) expected[k] = (byte)(k % 251);
        for (int b = 0; b < _txPool.Count; b++)
        {
            expected.AsSpan(b * size, size).CopyTo(_txPool[b]);
            Assert.True(_fromServer.Sender.TrySend(new NicMessages.Tx(b, size, id)));
        }
        Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(id)));
        var messages = new List<UrpcMessage>();
        for (int i = 0; i < 3; i++) _driver.Run(); // every Tx and the Close handled; the client reads nothing yet
        while (_toServer.Receiver.TryReceive(out UrpcMessage m)) messages.Add(m);
        int sentAtOnce = CountOf(messages, NicMessages.TxDone.TypeId);
        Assert.True(sentAtOnce < _txPool.Count, $"the socket buffers took all {_txPool.Count} responses at once: nothing was left for a slow reader");
        client.Shutdown(SocketShutdown.Send);

        var received = new List<byte>();
        var chunk = new byte[1000];
        bool ended = false;
        for (int round = 0; round < 200_000 && !ended; round++)
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            _driver.Run();
            while (_toServer.Receiver.TryReceive(out UrpcMessage m)) messages.Add(m);
            if (!client.Poll(0, SelectMode.SelectRead)) continue;
            int n = client.Receive(chunk);
            if (n == 0) ended = true;
            else received.AddRange(chunk.AsSpan(0, n));
        }
        Assert.True(ended, $"the client read {received.Count} of {expected.Length} bytes and no end of stream");
        int inOrder = expected.AsSpan().CommonPrefixLength(received.ToArray());
        Assert.True(received.Count == expected.Length && inOrder == expected.Length, $"the client read {received.Count} bytes of the {expected.Length} sent, the first {inOrder} of them as sent");
        Assert.Equal(_txPool.Count, CountOf(messages, NicMessages.TxDone.TypeId));
        Assert.Equal(1, CountOf(messages, NicMessages.Closed.TypeId));
        Assert.Equal(0, CountOf(messages, NicMessages.ReadEnd.TypeId));
        Assert.Equal(0L, _driver.Counters.Lingered);
        Assert.Equal(1L, _driver.Counters.Closed);
    }

    /// <summary>A lingering close whose client never closes its side ends at a sweep after <see cref="TcpNicDriver.LingerTimeout"/>, with no further message.</summary>
    [Fact]
    public void ALingeringCloseEndsAfterTheLingerTimeoutThoughTheClientKeepsItsSideOpen()
    {
        var driver = new TcpNicDriver(_listener, _rxPool, _txPool, new UrpcEndpoint(_toServer.Sender, _fromServer.Receiver)) { LingerTimeout = TimeSpan.FromMilliseconds(1) };
        driver.OnStart();
        try
        {
            using var client = Connect();
            ulong id = Opened(1, driver)[0];
            Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(id)));
            Assert.Equal(NicMessages.Closed.TypeId, Assert.Single(RunUntil(g => g.Count >= 1, driver)).Type);
            // The sweep runs every 100 ms; the bound only keeps a failing test from waiting for ever.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (driver.Counters.Closed == 0 && clock.Elapsed < TimeSpan.FromSeconds(10)) driver.Run();
            Assert.Equal(1L, driver.Counters.Closed);
            Assert.False(_toServer.Receiver.TryReceive(out _));
            Assert.Equal(_rxPool.Count, _rxPool.Available);
        }
        finally
        {
            driver.OnStop();
        }
    }

    /// <summary>
    /// A full table: a new connection takes the slot of a lingering one (already closed for the server: nobody is
    /// evicted), and the next one evicts the connection quiet longest (the server hears Closed for it); none is refused.
    /// </summary>
    [Fact]
    public void AFullTableGivesANewConnectionALingeringSlotFirstThenTheQuietestConnections()
    {
        // Both ends of every connection are descriptors of this process; /proc shows the limit the runtime raised at start.
        string limit = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        long files = long.TryParse(limit.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], out long n) ? n : long.MaxValue; // "unlimited"
        Assert.SkipWhen(files < 2 * TcpNicDriver.MaxConnections + 256, $"a full table needs {2 * TcpNicDriver.MaxConnections + 256} open files; this process may have {files}");
        var clients = new List<Socket>();
        try
        {
            clients.Add(Connect());
            ulong oldest = Opened(1)[0];
            long opened = Environment.TickCount64;
            SpinWait.SpinUntil(() => Environment.TickCount64 > opened); // every other connection is younger
            var ids = new List<ulong> { oldest };
            while (ids.Count < TcpNicDriver.MaxConnections)
            {
                int batch = Math.Min(16, TcpNicDriver.MaxConnections - ids.Count); // within the listener's backlog
                for (int i = 0; i < batch; i++) clients.Add(Connect());
                ids.AddRange(Opened(batch));
            }
            Assert.True(_fromServer.Sender.TrySend(new NicMessages.Close(ids[^1])));
            Assert.Equal(NicMessages.Closed.TypeId, Assert.Single(RunUntil(g => g.Count >= 1)).Type);

            clients.Add(Connect());
            Opened(1);
            Assert.Equal(0L, _driver.Evicted);
            Assert.Equal(1L, _driver.Counters.Closed); // the lingering connection

            clients.Add(Connect());
            var evicting = RunUntil(g => g.Count >= 2);
            Assert.Equal(2, evicting.Count);
            Assert.Equal(oldest, NicMessages.Closed.Decode(evicting.Single(m => m.Type == NicMessages.Closed.TypeId)).Flow);
            Assert.Single(evicting, m => m.Type == NicMessages.Open.TypeId);
            Assert.Equal(1L, _driver.Evicted);
            Assert.Equal(0L, _driver.Refused);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
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

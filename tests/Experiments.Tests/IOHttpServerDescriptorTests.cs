using System.Diagnostics;
using System.Text;
using Multikernel;
using Multikernel.Drivers;
using Multikernel.Urpc;
using static Multikernel.Drivers.NicMessages;

namespace Experiments.Tests;

/// <summary>
/// The HTTP server dispatcher alone on its core, with this test thread as both its NIC driver and its database (the
/// other ends of its two bindings), so that the order of descriptors and the size of its transmit pool are the test's
/// to choose: what the server answers to each message is read straight off the rings.
/// </summary>
public class IOHttpServerDescriptorTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>The next message on <paramref name="receiver"/>, or a failure naming <paramref name="what"/> after <see cref="Patience"/>.</summary>
    static UrpcMessage Next(UrpcReceiver receiver, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (receiver.TryReceive(out UrpcMessage m)) return m;
            Thread.Sleep(1);
        }
        Assert.Fail($"no message within {Patience.TotalSeconds:0} s: expected {what}");
        return default;
    }

    static void SendRequest(UrpcSender driver, PacketPool rxPool, string request, ulong connection)
    {
        Assert.True(rxPool.TryAllocate(out int buffer));
        int length = Encoding.ASCII.GetBytes(request, rxPool[buffer]);
        driver.Send(new Rx(buffer, length, connection));
    }

    /// <summary>
    /// One transmit buffer: connection A's item page holds it at the database, so connection B's static request waits
    /// for it. A is closed before the database answers; that answer frees the buffer, which must go to B at once (B
    /// sends nothing more and would otherwise wait for its request timeout).
    /// </summary>
    [Fact]
    public async Task ATransmitBufferFreedByAClosedConnectionsDatabaseAnswerServesAConnectionWaitingForOne()
    {
        using var rxPool = new PacketPool(8, 4096);
        using var txPool = new PacketPool(1, 8192);
        using var mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = TestCores.First(1) });
        var driverHttp = await mk.BindAsync(0, 0, 64);
        var httpDb = await mk.BindAsync(0, 0, 64);
        var http = new HttpServerDispatcher(driverHttp.Server, rxPool, txPool, httpDb.Client);
        await mk.SpawnAsync(0, 0, () => http);
        var driver = driverHttp.Client;
        var database = httpDb.Server;
        ulong a = 1UL << 32 | 0, b = 1UL << 32 | 1;

        driver.Sender.Send(new Open(a));
        driver.Sender.Send(new Open(b));
        SendRequest(driver.Sender, rxPool, "GET /item?id=1 HTTP/1.1\r\nHost: x\r\n\r\n", a);
        Assert.Equal(RxDone.TypeId, Next(driver.Receiver, "A's RxDone").Type);
        var query = DatabaseMessages.Query.Decode(Next(database.Receiver, "A's query"));
        Assert.Equal(a, query.Connection);
        Assert.Equal(0, txPool.Available);

        SendRequest(driver.Sender, rxPool, "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n", b);
        var bDone = Next(driver.Receiver, "B's RxDone");
        Assert.Equal(RxDone.TypeId, bDone.Type);
        Assert.Equal(b, RxDone.Decode(bDone).Flow);

        driver.Sender.Send(new Closed(a));
        // Bytes for the closed A come straight back: once they have, the server has taken A's Closed (same ring, in order).
        SendRequest(driver.Sender, rxPool, "GET / HTTP/1.1\r\n\r\n", a);
        var stale = Next(driver.Receiver, "the RxDone of bytes for the closed A");
        Assert.Equal((RxDone.TypeId, a), (stale.Type, RxDone.Decode(stale).Flow));

        database.Sender.Send(new DatabaseMessages.Result(query.Buffer, 100, a, 200, KeepAlive: true));
        var m = Next(driver.Receiver, "B's response in the buffer A's answer freed");
        Assert.Equal(Tx.TypeId, m.Type);
        var tx = Tx.Decode(m);
        Assert.Equal(b, tx.Flow);
        Assert.Equal(HttpResponses.StaticKeepAlive.Length, tx.Length);
        Assert.Equal(HttpResponses.StaticKeepAlive, txPool[tx.Buffer][..tx.Length].ToArray());
        mk.Shutdown();
    }
}

using Multikernel.Drivers;

namespace Multikernel.Tests;

/// <summary>The timeout rules of one served connection (<see cref="ServedConnection.IsTimedOut"/>), on a made-up clock in milliseconds.</summary>
public class ServedConnectionTests
{
    const long Idle = 60_000, Request = 30_000;

    /// <summary>A connection opened at <paramref name="now"/> whose request was read then and handed back (answered).</summary>
    static ServedConnection ReadAndAnsweredAt(long now)
    {
        var c = new ServedConnection();
        c.Open(now);
        c.Received(now);
        c.Returned();
        return c;
    }

    [Fact]
    public void AnAnsweredKeepAliveConnectionTimesOutOnlyAfterTheIdleTime()
    {
        var c = ReadAndAnsweredAt(1000);
        c.Sent(now: 1010);
        Assert.False(c.IsTimedOut(1010 + Request + 1, Idle, Request));
        Assert.True(c.IsTimedOut(1010 + Idle + 1, Idle, Request));
    }

    [Fact]
    public void ReceivedBytesWithoutAResponseTimeOutAfterTheRequestTime()
    {
        var c = new ServedConnection();
        c.Open(now: 1000);
        c.Received(now: 2000);
        Assert.False(c.IsTimedOut(2000 + Request, Idle, Request));
        Assert.True(c.IsTimedOut(2000 + Request + 1, Idle, Request));
    }

    [Fact]
    public void QueuedResponsesTheClientDoesNotReadTimeOutAfterTheRequestTime()
    {
        // Every request was read and answered in part; the rest of the responses wait for room in the socket, which a
        // client that never reads never makes. Those responses hold the server's transmit buffers.
        var c = ReadAndAnsweredAt(1000);
        c.Tx!.Enqueue(buffer: 7, offset: 0, length: 4096);
        c.Tx.Enqueue(buffer: 8, offset: 0, length: 4096);
        c.Sent(now: 1005); // the first one in part, then the socket is full
        Assert.False(c.IsTimedOut(1005 + Request, Idle, Request));
        Assert.True(c.IsTimedOut(1005 + Request + 1, Idle, Request), "responses that have not moved for the request time still hold the connection");
    }

    [Fact]
    public void QueuedResponsesThatKeepMovingDoNotTimeOut()
    {
        var c = ReadAndAnsweredAt(1000);
        c.Tx!.Enqueue(buffer: 7, offset: 0, length: 4096);
        for (long t = 1000; t <= 3 * Idle; t += 1000) c.Sent(now: t); // a slow reader: a few bytes every second
        Assert.False(c.IsTimedOut(3 * Idle + 500, Idle, Request));
    }
}

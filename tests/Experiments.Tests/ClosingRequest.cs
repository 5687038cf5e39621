namespace Experiments.Tests;

/// <summary>A request with <c>Connection: close</c>, and what a server owes it: the page, a response that says it
/// closes, and end-of-stream after it (not a reset).</summary>
static class ClosingRequest
{
    public const string Text = "GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    /// <summary>Sends the request on <paramref name="c"/> and checks the answer and the end of the stream.</summary>
    public static void SendAndExpectThePageThenEndOfStream(HttpClientConnection c)
    {
        c.Send(Text);
        var reply = c.Read();
        Assert.Equal(200, reply.Status);
        Assert.Equal("close", reply.Header("Connection"));
        Assert.True(c.ClosedByServer(), "the server did not end the connection with end-of-stream after its response");
    }
}

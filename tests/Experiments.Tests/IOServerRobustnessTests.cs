using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Experiments.Tests;

/// <summary>
/// The servers under odd clients, on loopback, bounded in count and time: deep pipelining (back-pressure instead of
/// a crash), requests with bare-LF line ends, bad line syntax, idle and stalled connections (timeouts), more
/// connections than the table holds, and datagrams larger than the echo servers take.
/// </summary>
public class IOServerRobustnessTests
{
    const string Get = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n";
    static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    /// <summary>Sends <paramref name="requests"/> pipelined GETs in one stream from a writer thread while this thread
    /// reads every response; returns the first problem, or null.</summary>
    static string? Pipeline(int port, int requests)
    {
        using var c = new HttpClientConnection(port, Generous);
        var all = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(Get, requests)));
        Exception? writeError = null;
        var writer = new Thread(() => { try { c.Send(all); } catch (Exception e) { writeError = e; } }) { IsBackground = true };
        writer.Start();
        for (int i = 0; i < requests; i++)
        {
            string? p;
            try { p = WebCheck.PageProblem(c.Read(), StaticPage.Body); }
            catch (Exception e) { return $"response {i + 1} of {requests}: {e.GetType().Name}: {e.Message}"; }
            if (p != null) return $"response {i + 1} of {requests}: {p}";
        }
        if (!writer.Join(Generous)) return "the writer did not finish";
        return writeError?.Message;
    }

    [Fact]
    public void TenThousandPipelinedRequestsOnOneConnectionAreAllAnsweredInOrder()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2));
        Assert.Null(Pipeline(server.Port, 10_000));
        Assert.Null(WebCheck.Static(server.Port)); // and it still serves a new client
        string account = server.Stop();
        AssertAllStatic(account, atLeast: 10_000);
    }

    [Fact]
    public async Task ThirtyTwoConnectionsPipeliningAtOnceAreAllAnswered()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        const int connections = 32, each = 10_000;
        using var server = MkWebServer.Start(TestCores.First(2));
        var problems = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(() => Pipeline(server.Port, each))));
        Assert.All(problems, p => Assert.Null(p));
        string account = server.Stop();
        AssertAllStatic(account, atLeast: connections * each);
        Assert.Contains("inboxes in use 0 of", account);
    }

    [Theory]
    [InlineData("GET /index.html HTTP/1.1\nHost: x\n\n")]
    [InlineData("GET /index.html HTTP/1.1\r\nHost: x\n\r\n")]
    [InlineData("\r\nGET /index.html HTTP/1.1\nHost: x\r\n\n")]
    public void BareLfLineEndsAreAcceptedAsRfc9112Allows(string request)
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2));
        using var c = new HttpClientConnection(server.Port, TimeSpan.FromSeconds(20));
        c.Send(request + request);
        Assert.Null(WebCheck.PageProblem(c.Read(), StaticPage.Body));
        Assert.Null(WebCheck.PageProblem(c.Read(), StaticPage.Body));
    }

    [Theory]
    [InlineData("GET /index.html HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n", 400)]       // bare CR
    [InlineData("GET /index.html HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n", 400)]    // whitespace before the colon
    [InlineData("GET /index.html HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", 400)] // obsolete line folding
    [InlineData("GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400)]
    [InlineData("GET /index.html HTTP/1.1\r\n\r\n", 400)]                  // HTTP/1.1 without Host
    [InlineData("GET /index.html HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", 400)]  // two Host lines
    public void BadLineSyntaxIsRefusedAndTheConnectionClosed(string request, int status)
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2));
        using var c = new HttpClientConnection(server.Port, TimeSpan.FromSeconds(20));
        c.Send(request);
        Assert.Equal(status, c.Read().Status);
        Assert.True(c.ClosedByServer());
    }

    [Fact]
    public void ARequestHeadLargerThanTheInboxGets431AndNotAHang()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2));
        using var c = new HttpClientConnection(server.Port, TimeSpan.FromSeconds(20));
        c.Send("GET /index.html HTTP/1.1\r\nX-Big: " + new string('a', HttpConnection.InboxBytes) + "\r\n\r\n");
        Assert.Equal(431, c.Read().Status);
        Assert.True(c.ClosedByServer(), "the server did not end the connection with end-of-stream (a reset, or more bytes)");
        Assert.Null(WebCheck.Static(server.Port));
        Assert.Contains("1 closed by the server after lingering", server.Stop());
    }

    [Fact]
    public void ARequestBodyLargerThanTheInboxGets413NotTheHeadsStatus()
    {
        // The head is small and complete; its Content-Length body does not fit in an inbox with it.
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2));
        using var c = new HttpClientConnection(server.Port, TimeSpan.FromSeconds(20));
        int body = HttpConnection.InboxBytes + 1024;
        c.Send($"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: {body}\r\n\r\n" + new string('a', body));
        Assert.Equal(413, c.Read().Status);
        Assert.True(c.ClosedByServer(), "the server did not end the connection with end-of-stream (a reset, or more bytes)");
        Assert.Null(WebCheck.Static(server.Port));
    }

    [Theory]
    [InlineData("17408")]                  // the inbox's size and 1 KiB: the body would not fit
    [InlineData("2147483648")]             // beyond an int
    [InlineData("99999999999999999999")]   // beyond a long
    public void AContentLengthTheInboxCannotHoldGets413AsSoonAsTheHeadIsIn(string contentLength)
    {
        // The head alone, and no body: a client that waits (Expect: 100-continue, or one that sends slowly) must not
        // wait for the request timeout, and a huge Content-Length is valid syntax, refused for its size (413), not 400.
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2), requestTimeout: TimeSpan.FromSeconds(60));
        using var c = new HttpClientConnection(server.Port, TimeSpan.FromSeconds(20));
        c.Send($"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: {contentLength}\r\n\r\n");
        Assert.Equal(413, c.Read().Status);
        c.ShutdownSend();
        Assert.True(c.ClosedByServer(), "the server did not end the connection with end-of-stream (a reset, or more bytes)");
        Assert.Null(WebCheck.Static(server.Port));
    }

    [Fact]
    public void AClientThatEndsItsSendingSideAfterItsRequestsGetsEveryResponseThenEndOfStream()
    {
        // As `printf 'GET ...' | nc -N host port` does: the requests, then shutdown(SHUT_WR), then read to the end.
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2));
        for (int i = 0; i < 20; i++)
        {
            using var c = new HttpClientConnection(server.Port, TimeSpan.FromSeconds(20));
            c.Send(Get + Get);
            c.ShutdownSend();
            string? problem;
            try { problem = WebCheck.PageProblem(c.Read(), StaticPage.Body) ?? WebCheck.PageProblem(c.Read(), StaticPage.Body); }
            catch (IOException e) { problem = e.Message; }
            Assert.True(problem == null, $"connection {i + 1}: {problem}");
            Assert.True(c.ClosedByServer(), $"connection {i + 1}: the server did not end the connection after answering");
        }
        Assert.Null(WebCheck.Static(server.Port));
        AssertAllStatic(server.Stop(), atLeast: 40);
    }

    [Fact]
    public void BytesSentAfterTheServerClosedAreReadAndDroppedNotAnsweredWithAReset()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2));
        using var c = new HttpClientConnection(server.Port, TimeSpan.FromSeconds(20));
        ClosingRequest.SendAndExpectThePageThenEndOfStream(c);
        // A socket closed outright answers these bytes with a reset, and a later send fails (EPIPE or ECONNRESET);
        // a lingering one reads and drops them until the client closes.
        var more = new byte[64 * 1024];
        for (int i = 0; i < 16; i++) c.Send(more);
        Assert.Contains("1 closed by the server after lingering", server.Stop());
    }

    [Fact]
    public void AClosingResponseQueuedBehindOthersEndsTheStreamAfterEveryResponse()
    {
        // 2,000 pipelined responses of 4.1 kB outrun the client's reading, so the driver may write the last ones (the
        // Connection: close one among them) only as room appears (EPOLLOUT) and begin its lingering there; the bytes
        // after the last request are read and dropped either way, and the stream ends after every response.
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        const int keptAlive = 2000;
        using var server = MkWebServer.Start(TestCores.First(2));
        using var c = new HttpClientConnection(server.Port, Generous);
        var all = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(Get, keptAlive)) +
            ClosingRequest.Text + new string('x', 4096));
        Exception? writeError = null;
        var writer = new Thread(() => { try { c.Send(all); } catch (Exception e) { writeError = e; } }) { IsBackground = true };
        writer.Start();
        for (int i = 0; i < keptAlive; i++) Assert.Null(WebCheck.PageProblem(c.Read(), StaticPage.Body));
        var last = c.Read();
        Assert.Equal(200, last.Status);
        Assert.Equal("close", last.Header("Connection"));
        Assert.True(c.ClosedByServer(), "the server did not end the connection with end-of-stream after its last response");
        Assert.True(writer.Join(Generous), "the writer did not finish");
        Assert.Null(writeError);
        string account = server.Stop();
        AssertAllStatic(account, atLeast: keptAlive + 1);
        Assert.Contains("1 closed by the server after lingering", account);
    }

    [Fact]
    public void ALingeringCloseEndsAtItsTimeoutWhenTheClientNeverCloses()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2), lingerTimeout: TimeSpan.FromMilliseconds(200));
        using var c = new HttpClientConnection(server.Port, TimeSpan.FromSeconds(20));
        ClosingRequest.SendAndExpectThePageThenEndOfStream(c);
        Thread.Sleep(1000); // the linger time and a few timeout sweeps (every 100 ms)
        // The socket is closed now: the first bytes are answered with a reset, and a later send fails.
        var more = new byte[64 * 1024];
        Assert.Throws<SocketException>(() => { for (int i = 0; i < 16; i++) c.Send(more); });
        Assert.Null(WebCheck.Static(server.Port));
        Assert.Contains("1 closed by the server after lingering", server.Stop());
    }

    [Fact]
    public void IdleAndStalledConnectionsAreClosedByTheirTimeouts()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2), idleTimeout: TimeSpan.FromSeconds(1), requestTimeout: TimeSpan.FromSeconds(1));
        using var idle = new HttpClientConnection(server.Port, Generous);
        using var stalled = new HttpClientConnection(server.Port, Generous);
        using var kept = new HttpClientConnection(server.Port, Generous);
        kept.Send(Get);
        Assert.Equal(200, kept.Read().Status);
        stalled.Send("GET /index.html HTTP/1.1\r\nHost:"); // never completed
        var clock = Stopwatch.StartNew();
        Assert.True(idle.ClosedByServer(), "an idle connection was not closed");
        Assert.True(stalled.ClosedByServer(), "a connection with an unfinished request was not closed");
        Assert.True(kept.ClosedByServer(), "an idle keep-alive connection was not closed");
        Assert.True(clock.Elapsed < Generous, $"closing took {clock.Elapsed}");
        Assert.Null(WebCheck.Static(server.Port)); // new clients are still served
        Assert.Contains("3 timed out", server.Stop());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AClientThatNeverReadsItsResponsesIsClosedByTheRequestTimeout(bool closingRequestLast)
    {
        // 1,200 pipelined GETs (45 kB, all read by the driver within the inbox's and the receive credits' reach) whose
        // 5 MB of responses are never read: more than the kernel's socket buffers hold on loopback (about 4 MB), so the
        // last responses stay queued at the driver, each holding one of the server's 512 transmit buffers, after the
        // last bytes went out. Nothing moves on the connection any more; the request timeout must end it, else those
        // buffers are held for as long as the client keeps the connection open, and a few such clients hold them all.
        // With a "Connection: close" request last, the server has asked the driver to close after those responses.
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2), requestTimeout: TimeSpan.FromSeconds(1));
        using var hog = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        hog.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));
        hog.Send(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(Get, 1200)) + (closingRequestLast ? ClosingRequest.Text : "")));
        Thread.Sleep(3000); // the responses, then the 1 s timeout and its sweep (every 100 ms)
        Assert.Null(WebCheck.Static(server.Port)); // others are served
        Assert.Contains("1 timed out", server.Stop());
    }

    [Fact]
    public void MoreConnectionsThanTheTableHoldsDoNotLockNewClientsOut()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        int extra = 4, total = Multikernel.Drivers.TcpNicDriver.MaxConnections + extra; // 4,100
        Assert.SkipWhen(OpenFileLimit() < 2 * total + 200, $"needs {2 * total + 200} open files (client and server side in this process); the limit here is {OpenFileLimit()}");
        using var server = MkWebServer.Start(TestCores.First(2));
        var idle = new List<Socket>(total);
        try
        {
            for (int i = 0; i < total; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));
                idle.Add(s);
            }
            // A client that arrives now is served: the connections quiet longest made room for it.
            Assert.Null(WebCheck.Static(server.Port));
        }
        finally
        {
            foreach (var s in idle) s.Dispose();
        }
        string account = server.Stop();
        Assert.Contains("refused 0", account);
        Assert.Matches(@"\((0 timed out, )?[1-9]\d* evicted", account);
        Assert.Contains("inboxes in use 0 of", account); // idle connections hold no inbox
    }

    public static TheoryData<string> EchoKinds => new() { "mk", "host" };

    [Theory]
    [MemberData(nameof(EchoKinds))]
    public void ADatagramLargerThanTheServerTakesIsDroppedAndCountedNeverEchoedInPart(string kind)
    {
        Assert.SkipWhen(kind == "mk" && !TestCores.HasTwo, "the multikernel side needs two cores; this process may use one");
        const int max = 1400;
        using IUdpEchoServer server = kind == "mk" ? MkUdpEchoServer.Start(TestCores.First(2)[0], TestCores.First(2)[1], max) : HostUdpEchoServer.Start(TestCores.First(1)[0], max);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
        client.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));
        client.Send(new byte[65_507]); // the largest UDP payload over IPv4
        var small = Encoding.ASCII.GetBytes("after the big one");
        client.Send(small);
        var reply = new byte[70_000];
        int n = client.Receive(reply); // the first reply is the small datagram's: the big one was not echoed
        Assert.Equal(small.Length, n);
        Assert.True(small.AsSpan().SequenceEqual(reply.AsSpan(0, n)));
        Assert.Contains("oversized (dropped, not echoed) 1", server.Stop());
    }

    /// <summary>The server's account says it parsed at least <paramref name="atLeast"/> requests, all static, no errors.</summary>
    static void AssertAllStatic(string account, int atLeast)
    {
        var m = System.Text.RegularExpressions.Regex.Match(account, @"parsed (\d+) requests: (\d+) static, 0 dynamic, 0 errors");
        Assert.True(m.Success && m.Groups[1].Value == m.Groups[2].Value && long.Parse(m.Groups[1].Value) >= atLeast, account);
    }

    static long OpenFileLimit()
    {
        foreach (var line in File.ReadLines("/proc/self/limits"))
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.TryParse(f[3], out long v) ? v : long.MaxValue;
            }
        return 0;
    }
}

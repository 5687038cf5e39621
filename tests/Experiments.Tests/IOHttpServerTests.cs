using System.Text;

namespace Experiments.Tests;

/// <summary>
/// The multikernel web server (TCP NIC driver dispatcher + HTTP server dispatcher on two cores) answers HTTP/1.1
/// correctly: status line, Content-Length, the exact page, keep-alive, pipelining, requests split across packets,
/// Connection: close, errors; and the request parser on its own.
/// </summary>
public class IOHttpServerTests
{
    static MkWebServer Start() => MkWebServer.Start(TestCores.First(2));

    const string Get = "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    [Fact]
    public void GetServesThePageAndKeepsTheConnectionForMoreRequests()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        using var server = Start();
        using var c = new HttpClientConnection(server.Port);
        for (int i = 0; i < 3; i++)
        {
            c.Send(Get);
            var r = c.Read();
            Assert.Equal(200, r.Status);
            Assert.Equal("4100", r.Header("content-length"));
            Assert.Equal("multikernel", r.Header("server"));
            Assert.Equal("text/html", r.Header("content-type"));
            Assert.Null(r.Header("connection"));
            Assert.Equal(StaticPage.Body, r.Body);
        }
        Assert.Null(WebCheck.Static(server.Port));
        string account = server.Stop();
        Assert.Contains("static", account);
    }

    [Fact]
    public void PipelinedRequestsAreAnsweredInOrder() => AssertPipelineAnswers(
        Get + "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n" + Get + "GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + Get,
        200, 200, 404, 200, 200, 200);

    /// <summary>
    /// Sends <paramref name="requests"/> in one piece on one connection to a new server and reads one response per
    /// status, in order: 200 carries the static page, 404 the not-found text.
    /// </summary>
    static void AssertPipelineAnswers(string requests, params int[] statuses)
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        using var server = Start();
        using var c = new HttpClientConnection(server.Port);
        c.Send(requests);
        foreach (int status in statuses)
        {
            var r = c.Read();
            Assert.Equal(status, r.Status);
            if (status == 200) Assert.Equal(StaticPage.Body, r.Body);
            else Assert.Equal("not found\n", Encoding.ASCII.GetString(r.Body));
        }
    }

    [Fact]
    public void ARequestSplitAcrossPacketsIsAnsweredOnceComplete()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        using var server = Start();
        using var c = new HttpClientConnection(server.Port);
        // Byte-sized pieces with pauses, so the driver receives them as separate reads (TCP_NODELAY on the client).
        var bytes = Encoding.ASCII.GetBytes(Get + "GET /ind");
        foreach (int cut in new[] { 1, 4, 5, 17, 30, bytes.Length })
        {
            c.Send(bytes.AsSpan(0, cut)[(cut == 1 ? 0 : Prev(cut))..]);
            Thread.Sleep(5);
        }
        var first = c.Read();
        Assert.Equal(200, first.Status);
        Assert.Equal(StaticPage.Body, first.Body);
        c.Send("ex.html HTTP/1.1\r\nHost: x\r\n\r\n");
        var second = c.Read();
        Assert.Equal(200, second.Status);
        Assert.Equal(StaticPage.Body, second.Body);

        static int Prev(int cut) => cut switch { 4 => 1, 5 => 4, 17 => 5, 30 => 17, _ => 30 };
    }

    [Fact]
    public void ConnectionCloseAndHttp10AreHonouredAndBadRequestsAreRefused()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        using var server = Start();
        using (var c = new HttpClientConnection(server.Port))
        {
            ClosingRequest.SendAndExpectThePageThenEndOfStream(c);
        }
        using (var c = new HttpClientConnection(server.Port))
        {
            c.Send("GET /index.html HTTP/1.0\r\n\r\n");
            Assert.Equal("close", c.Read().Header("connection"));
            Assert.True(c.ClosedByServer());
        }
        using (var c = new HttpClientConnection(server.Port))
        {
            c.Send("GET /index.html HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
            Assert.Null(c.Read().Header("connection"));
            c.Send(Get);
            Assert.Equal(200, c.Read().Status);
        }
        using (var c = new HttpClientConnection(server.Port))
        {
            c.Send("POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            Assert.Equal(405, c.Read().Status);
            Assert.True(c.ClosedByServer());
        }
        using (var c = new HttpClientConnection(server.Port))
        {
            c.Send("NONSENSE\r\n\r\n");
            Assert.Equal(400, c.Read().Status);
            Assert.True(c.ClosedByServer());
        }
        Assert.Contains("errors", server.Stop());
    }

    [Fact]
    public void AMethodOtherThanGetGets405WithAnAllowHeaderNamingGet()
    {
        // RFC 9110 section 15.5.6: the origin server MUST send Allow, listing the methods the resource supports, in a 405.
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        using var server = Start();
        using var c = new HttpClientConnection(server.Port);
        c.Send("DELETE /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
        var reply = c.Read();
        Assert.Equal(405, reply.Status);
        Assert.Equal("GET", reply.Header("allow"));
        Assert.True(c.ClosedByServer());
    }

    [Fact]
    public async Task ManyConnectionsAtOnceEachGetEveryAnswer()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        using var server = Start();
        var clients = Enumerable.Range(0, 40).Select(_ => Task.Run(() =>
        {
            using var c = new HttpClientConnection(server.Port, TimeSpan.FromSeconds(10));
            for (int i = 0; i < 25; i++)
            {
                c.Send(Get + Get);
                for (int k = 0; k < 2; k++)
                {
                    var p = WebCheck.PageProblem(c.Read(), StaticPage.Body);
                    if (p != null) return p;
                }
            }
            return null;
        })).ToArray();
        var problems = await Task.WhenAll(clients);
        Assert.All(problems, p => Assert.Null(p));
        string account = server.Stop();
        Assert.Contains("parsed 2000 requests: 2000 static", account);
        Assert.Contains("accepted 40 connections", account);
    }

    [Fact]
    public void DriverAndHttpServerAllocateNothingServingTheStaticPageInSteadyState()
    {
        Assert.SkipUnless(TestCores.HasTwo, "needs two cores; this process may use one");
        using var server = MkWebServer.Start(TestCores.First(2), probe: (300, 1_200));
        using (var c = new HttpClientConnection(server.Port))
            for (int i = 0; i < 1_500; i++)
            {
                c.Send(Get + Get);
                Assert.Null(WebCheck.PageProblem(c.Read(), StaticPage.Body));
                Assert.Null(WebCheck.PageProblem(c.Read(), StaticPage.Body));
            }
        string account = server.Stop();
        var (driver, http) = server.ProbeAllocations;
        SteadyStateAllocation.IsNone("NIC driver", driver, account);
        SteadyStateAllocation.IsNone("HTTP server", http, account);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n", ParseResult.Incomplete)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab", ParseResult.Incomplete)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", ParseResult.Complete)]
    [InlineData("GET / HTTP/1.1\r\n\r\n", ParseResult.Malformed)]                  // HTTP/1.1 without Host (RFC 9112 3.2)
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nhost: y\r\n\r\n", ParseResult.Malformed)] // two Host lines
    [InlineData("GET / HTTP/1.0\r\n\r\n", ParseResult.Complete)]                   // HTTP/1.0 needs none
    [InlineData("GET / HTTP/2.0\r\n\r\n", ParseResult.Malformed)]
    [InlineData("GET / HTTP/1.2\r\nHost: x\r\n\r\n", ParseResult.Complete)]        // a higher minor version is read as 1.1 (RFC 9110 2.5)
    [InlineData("GET / HTTP/1.9\r\n\r\n", ParseResult.Malformed)]                   // ... so it needs a Host line
    [InlineData("GET / HTTP/1.10\r\nHost: x\r\n\r\n", ParseResult.Malformed)]     // one digit each side of the dot (RFC 9112 2.3)
    [InlineData("GET / HTTP/1.x\r\nHost: x\r\n\r\n", ParseResult.Malformed)]
    [InlineData("GET noslash HTTP/1.1\r\nHost: x\r\n\r\n", ParseResult.Malformed)]
    [InlineData("GET ftp://x/a HTTP/1.1\r\nHost: x\r\n\r\n", ParseResult.Malformed)]   // absolute-form of another scheme
    [InlineData("GET http:///a HTTP/1.1\r\nHost: x\r\n\r\n", ParseResult.Malformed)]   // absolute-form without an authority
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n", ParseResult.Malformed)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", ParseResult.Malformed)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: x1\r\n\r\n", ParseResult.Malformed)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", ParseResult.Malformed)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", ParseResult.Incomplete)] // valid, only large
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775808\r\n\r\n", ParseResult.Incomplete)] // 2^63: must not wrap to a negative length
    [InlineData("\r\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", ParseResult.Complete)]                 // empty lines before the request line (RFC 9112 2.2)
    [InlineData("GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n", ParseResult.Malformed)]                  // bare CR in the request line
    [InlineData("GET / HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n", ParseResult.Malformed)]            // bare CR in a header line
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n: x\r\n\r\n", ParseResult.Malformed)]             // empty field name
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n", ParseResult.Malformed)]         // whitespace before the colon (RFC 9112 5.1)
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", ParseResult.Malformed)] // two different lengths
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", ParseResult.Malformed)] // a length without digits
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2 \r\n\r\nab", ParseResult.Complete)] // whitespace after a value is not part of it
    [InlineData("GET / HTTP/1.1\r\nHostname: x\r\n\r\n", ParseResult.Malformed)]               // a longer name is not Host
    public void ParserClassifiesRequests(string raw, ParseResult expected) =>
        Assert.Equal(expected, HttpRequestParser.TryParse(Encoding.ASCII.GetBytes(raw), out _));

    [Theory]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\n\r\n", true)]
    [InlineData("GET /a HTTP/1.1\r\nHost: x\r\nconnection: CLOSE\r\n\r\n", false)]
    [InlineData("GET /a HTTP/1.0\r\n\r\n", false)]
    [InlineData("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    [InlineData("GET /a HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false)]  // close wins
    [InlineData("GET /a HTTP/1.2\r\nHost: x\r\n\r\n", true)]                             // read as HTTP/1.1
    [InlineData("\r\n\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n", true)]                      // the target's offset counts the skipped empty lines
    public void ParserWorksOutKeepAliveAndLength(string raw, bool keepAlive)
    {
        var bytes = Encoding.ASCII.GetBytes(raw + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(ParseResult.Complete, HttpRequestParser.TryParse(bytes, out var r));
        Assert.Equal(keepAlive, r.KeepAlive);
        Assert.Equal(raw.Length, r.Length);
        Assert.True(r.IsGet);
        Assert.Equal("/a", Encoding.ASCII.GetString(bytes, r.TargetStart, r.TargetLength));
    }

    [Fact]
    public void AnAbsoluteFormRequestIsServedItsPath() => AssertPipelineAnswers(
        "GET http://127.0.0.1/index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET http://127.0.0.1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET http://127.0.0.1/missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        200, 200, 404);

    [Theory]
    [InlineData("GET http://127.0.0.1/index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "/index.html")]
    [InlineData("GET HTTPS://example.test:8080/item?id=7 HTTP/1.1\r\nHost: example.test\r\n\r\n", "/item?id=7")]
    [InlineData("GET http://example.test HTTP/1.1\r\nHost: example.test\r\n\r\n", "")]
    [InlineData("GET http://example.test?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n", "?x=1")]
    public void ParserTakesTheAbsoluteFormsPathAsTheTarget(string raw, string path)
    {
        // RFC 9112 section 3.2.2: a server MUST accept the absolute-form; its target is the path (empty: "/").
        var bytes = Encoding.ASCII.GetBytes(raw);
        Assert.Equal(ParseResult.Complete, HttpRequestParser.TryParse(bytes, out var r));
        Assert.Equal(path, Encoding.ASCII.GetString(bytes, r.TargetStart, r.TargetLength));
    }

    [Theory]
    [InlineData("GET", true)]
    [InlineData("GETS", false)]
    [InlineData("get", false)] // methods are case-sensitive (RFC 9110 section 9.1)
    [InlineData("POST", false)]
    public void ParserTellsGetFromOtherMethods(string method, bool isGet)
    {
        Assert.Equal(ParseResult.Complete, HttpRequestParser.TryParse(Encoding.ASCII.GetBytes($"{method} / HTTP/1.1\r\nHost: x\r\n\r\n"), out var r));
        Assert.Equal(isGet, r.IsGet);
    }

    /// <summary>A dynamic page's head, written in front of its body: the status line for 200 and 404, the body's length, and Connection: close only without keep-alive.</summary>
    [Theory]
    [InlineData(200, 4321, true, "HTTP/1.1 200 OK\r\nServer: multikernel\r\nContent-Type: text/html\r\nContent-Length: 4321\r\n\r\n")]
    [InlineData(404, 7, false, "HTTP/1.1 404 Not Found\r\nServer: multikernel\r\nContent-Type: text/html\r\nContent-Length: 7\r\nConnection: close\r\n\r\n")]
    public void AHeadWrittenBeforeItsBodyEndsRightWhereTheBodyStarts(int status, int bodyLength, bool keepAlive, string head)
    {
        var buffer = new byte[HttpResponses.HeadRoom + 8];
        int start = HttpResponses.WriteHeadBefore(buffer, status, bodyLength, keepAlive);
        Assert.Equal(head, Encoding.ASCII.GetString(buffer, start, HttpResponses.HeadRoom - start));
    }

    /// <summary>What the pre-load check calls a wrong page: each kind of fault is named, a right page is not.</summary>
    [Theory]
    [InlineData(200, "4100", null, true, null)]
    [InlineData(404, "4100", null, true, "status 404, expected 200")]
    [InlineData(200, "4099", null, true, "Content-Length 4099, expected 4100")]
    [InlineData(200, "4100", null, false, "body differs from the expected page")]
    [InlineData(200, "4100", "Close", true, "server closes the connection (no keep-alive)")]
    public void APageProblemNamesWhatIsWrong(int status, string contentLength, string? connection, bool rightBody, string? problem)
    {
        var headers = new Dictionary<string, string> { ["content-length"] = contentLength };
        if (connection != null) headers["connection"] = connection;
        var body = (byte[])StaticPage.Body.Clone();
        if (!rightBody) body[^1] ^= 1;
        Assert.Equal(problem, WebCheck.PageProblem(new HttpReply(status, headers, body), StaticPage.Body));
    }

    [Fact]
    public void StaticPageIsTheSizeThePaperServes() => Assert.Equal(4100, StaticPage.Body.Length);
}

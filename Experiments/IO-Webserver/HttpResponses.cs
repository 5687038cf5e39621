using System.Text;

namespace IOWebserver;

/// <summary>
/// The multikernel HTTP server's responses. The static page's full responses (head and body) are built once, so
/// serving it is one copy into a transmit buffer; a dynamic page's head is written in front of its body.
/// </summary>
public static class HttpResponses
{
    /// <summary>Room reserved at the start of a transmit buffer for a response head written after its body.</summary>
    public const int HeadRoom = 256;

    public static readonly byte[] StaticKeepAlive = Build(200, "OK", "text/html", StaticPage.Body, keepAlive: true);
    public static readonly byte[] StaticClose = Build(200, "OK", "text/html", StaticPage.Body, keepAlive: false);
    public static readonly byte[] NotFoundKeepAlive = Build(404, "Not Found", "text/plain", "not found\n"u8.ToArray(), keepAlive: true);
    public static readonly byte[] NotFoundClose = Build(404, "Not Found", "text/plain", "not found\n"u8.ToArray(), keepAlive: false);
    /// <summary>405 names the one method served in Allow, which RFC 9110 (section 15.5.6) requires of every 405.</summary>
    public static readonly byte[] MethodNotAllowed = Build(405, "Method Not Allowed", "text/plain", "only GET\n"u8.ToArray(), keepAlive: false, extraHeaders: "Allow: GET\r\n");
    public static readonly byte[] BadRequest = Build(400, "Bad Request", "text/plain", "bad request\n"u8.ToArray(), keepAlive: false);
    public static readonly byte[] HeadTooLarge = Build(431, "Request Header Fields Too Large", "text/plain", "request head too large\n"u8.ToArray(), keepAlive: false);
    public static readonly byte[] ContentTooLarge = Build(413, "Content Too Large", "text/plain", "request body too large\n"u8.ToArray(), keepAlive: false);

    /// <param name="extraHeaders">Header lines, each ending in CRLF, after the standard ones.</param>
    public static byte[] Build(int status, string reason, string type, byte[] body, bool keepAlive, string extraHeaders = "")
    {
        var head = Head(status, reason, type, body.Length, keepAlive, extraHeaders);
        var all = new byte[head.Length + body.Length];
        head.CopyTo(all, 0);
        body.CopyTo(all, head.Length);
        return all;
    }

    static byte[] Head(int status, string reason, string type, int length, bool keepAlive, string extraHeaders) => Encoding.ASCII.GetBytes(
        $"HTTP/1.1 {status} {reason}\r\nServer: multikernel\r\nContent-Type: {type}\r\nContent-Length: {length}\r\n{(keepAlive ? "" : "Connection: close\r\n")}{extraHeaders}\r\n");

    /// <summary>
    /// Writes a response head for a body of <paramref name="bodyLength"/> bytes that already sits at
    /// <see cref="HeadRoom"/> in <paramref name="buffer"/>, right before the body; returns where the head starts.
    /// Allocation-free.
    /// </summary>
    public static int WriteHeadBefore(Span<byte> buffer, int status, int bodyLength, bool keepAlive)
    {
        Span<byte> head = stackalloc byte[HeadRoom];
        int n = 0;
        n += Put(head[n..], status == 200 ? "HTTP/1.1 200 OK\r\n"u8 : "HTTP/1.1 404 Not Found\r\n"u8);
        n += Put(head[n..], "Server: multikernel\r\nContent-Type: text/html\r\nContent-Length: "u8);
        bodyLength.TryFormat(head[n..], out int digits);
        n += digits;
        n += Put(head[n..], keepAlive ? "\r\n\r\n"u8 : "\r\nConnection: close\r\n\r\n"u8);
        int start = HeadRoom - n;
        head[..n].CopyTo(buffer[start..]);
        return start;
    }

    static int Put(Span<byte> to, ReadOnlySpan<byte> s)
    {
        s.CopyTo(to);
        return s.Length;
    }
}

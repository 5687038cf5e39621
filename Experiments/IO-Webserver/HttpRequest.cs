namespace IOWebserver;

/// <summary>What the multikernel HTTP server understood of one request. Offsets point into the connection's inbox.</summary>
public struct HttpRequest
{
    public bool IsGet;
    public int TargetStart, TargetLength;
    /// <summary>Keep the connection after the response: HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".</summary>
    public bool KeepAlive;
    /// <summary>Bytes of the whole request: head plus body (Content-Length).</summary>
    public int Length;
}

/// <summary>Outcome of trying to parse a request at the start of an inbox.</summary>
public enum ParseResult { Complete, Incomplete, Malformed }

/// <summary>
/// An allocation-free HTTP/1.x request parser for the subset a static/dynamic GET server needs: request line,
/// headers up to the blank line, Connection and Content-Length (a body is skipped), Transfer-Encoding refused.
/// It never reads past the bytes it is given, so a request split across packets is simply Incomplete until the rest
/// arrives, and pipelined requests are parsed one after another from the same inbox.
/// </summary>
public static class HttpRequestParser
{
    public static ParseResult TryParse(ReadOnlySpan<byte> data, out HttpRequest request)
    {
        request = default;
        int headEnd = data.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0) return ParseResult.Incomplete;
        var head = data[..headEnd];
        int lineEnd = head.IndexOf("\r\n"u8);
        var line = lineEnd < 0 ? head : head[..lineEnd];
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0) return ParseResult.Malformed;
        int sp2 = line[(sp1 + 1)..].IndexOf((byte)' ');
        if (sp2 <= 0) return ParseResult.Malformed;
        sp2 += sp1 + 1;
        var version = line[(sp2 + 1)..];
        bool http11;
        if (version.SequenceEqual("HTTP/1.1"u8)) http11 = true;
        else if (version.SequenceEqual("HTTP/1.0"u8)) http11 = false;
        else return ParseResult.Malformed;
        request.IsGet = line[..sp1].SequenceEqual("GET"u8);
        request.TargetStart = sp1 + 1;
        request.TargetLength = sp2 - sp1 - 1;
        if (request.TargetLength == 0 || line[request.TargetStart] != (byte)'/') return ParseResult.Malformed;

        bool close = false, keepAlive = false;
        long contentLength = 0;
        int pos = lineEnd < 0 ? head.Length : lineEnd + 2;
        while (pos < head.Length)
        {
            var rest = head[pos..];
            int end = rest.IndexOf("\r\n"u8);
            var h = end < 0 ? rest : rest[..end];
            pos += end < 0 ? rest.Length : end + 2;
            int colon = h.IndexOf((byte)':');
            if (colon <= 0) return ParseResult.Malformed;
            var name = h[..colon];
            var value = h[(colon + 1)..].Trim((byte)' ');
            if (name.NameIs("connection"))
            {
                if (Contains(value, "close")) close = true;
                if (Contains(value, "keep-alive")) keepAlive = true;
            }
            else if (name.NameIs("content-length"))
            {
                if (!TryParseNumber(value, out contentLength)) return ParseResult.Malformed;
            }
            else if (name.NameIs("transfer-encoding"))
                return ParseResult.Malformed; // chunked request bodies are not supported by this server
        }
        request.KeepAlive = http11 ? !close : keepAlive && !close;
        long total = headEnd + 4 + contentLength;
        if (total > int.MaxValue) return ParseResult.Malformed;
        if (data.Length < total) return ParseResult.Incomplete;
        request.Length = (int)total;
        return ParseResult.Complete;
    }

    static bool Contains(ReadOnlySpan<byte> value, string token)
    {
        Span<byte> lower = stackalloc byte[64];
        int n = Math.Min(value.Length, lower.Length);
        for (int i = 0; i < n; i++) lower[i] = value[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(value[i] | 0x20) : value[i];
        Span<byte> t = stackalloc byte[token.Length];
        for (int i = 0; i < token.Length; i++) t[i] = (byte)token[i];
        return lower[..n].IndexOf(t) >= 0;
    }

    static bool TryParseNumber(ReadOnlySpan<byte> s, out long v)
    {
        v = 0;
        if (s.Length == 0 || s.Length > 12) return false;
        foreach (byte b in s)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            v = v * 10 + (b - '0');
        }
        return true;
    }
}

static class AsciiSpanExtensions
{
    /// <summary>ASCII case-insensitive comparison against a lower-case name.</summary>
    public static bool NameIs(this ReadOnlySpan<byte> s, string lowerName)
    {
        if (s.Length != lowerName.Length) return false;
        for (int i = 0; i < s.Length; i++)
        {
            byte b = s[i];
            if (b is >= (byte)'A' and <= (byte)'Z') b = (byte)(b | 0x20);
            if (b != lowerName[i]) return false;
        }
        return true;
    }
}

namespace IOWebserver;

/// <summary>
/// An allocation-free HTTP/1.x request parser for the subset a static/dynamic GET server needs: request line,
/// headers up to the blank line, Connection and Content-Length (a body is skipped), Transfer-Encoding refused.
/// It never reads past the bytes it is given, so a request split across packets is simply Incomplete until the rest
/// arrives, and pipelined requests are parsed one after another from the same inbox.
/// <para>Line ends (RFC 9112 section 2.2): CRLF, or a bare LF, which a recipient may accept as a line terminator; a
/// bare CR anywhere in the head is refused, as are whitespace between a field name and its colon (section 5.1) and
/// obsolete line folding (section 5.2). Empty lines before the request line are skipped (section 2.2). Versions: HTTP/1.0,
/// HTTP/1.1, and a higher minor version of HTTP/1, which is read as HTTP/1.1 (RFC 9110 section 2.5); any other is refused.
/// An HTTP/1.1 request without a Host line, and any request with two, is refused (RFC 9112 section 3.2). The target is origin-form
/// ("/path?query") or absolute-form ("http://host/path", section 3.2.2: the request's target is then its path, empty
/// where the form has none, which the server reads as "/").</para>
/// </summary>
public static class HttpRequestParser
{
    public static ParseResult TryParse(ReadOnlySpan<byte> data, out HttpRequest request)
    {
        request = default;
        int start = 0;
        while (true) // skip empty lines before the request line
        {
            if (start < data.Length && data[start] == (byte)'\n') start++;
            else if (start + 1 < data.Length && data[start] == (byte)'\r' && data[start + 1] == (byte)'\n') start += 2;
            else break;
        }
        // The head ends at the first empty line: LF LF, LF CR LF.
        int headEnd = -1, bodyStart = -1;
        for (int i = data[start..].IndexOf((byte)'\n'); i >= 0; )
        {
            int at = start + i;
            if (at + 1 < data.Length && data[at + 1] == (byte)'\n') { headEnd = at + 1; bodyStart = at + 2; break; }
            if (at + 2 < data.Length && data[at + 1] == (byte)'\r' && data[at + 2] == (byte)'\n') { headEnd = at + 1; bodyStart = at + 3; break; }
            if (at + 2 >= data.Length) break;
            int next = data[(at + 1)..].IndexOf((byte)'\n');
            i = next < 0 ? -1 : i + 1 + next;
        }
        if (headEnd < 0) return ParseResult.Incomplete;
        var head = data[start..headEnd]; // every line of it ends in LF
        int lineEnd = head.IndexOf((byte)'\n');
        var line = TrimCr(head[..lineEnd]);
        if (line.IndexOf((byte)'\r') >= 0) return ParseResult.Malformed;
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0) return ParseResult.Malformed;
        int sp2 = line[(sp1 + 1)..].IndexOf((byte)' ');
        if (sp2 <= 0) return ParseResult.Malformed;
        sp2 += sp1 + 1;
        var version = line[(sp2 + 1)..];
        // HTTP-version is "HTTP/" DIGIT "." DIGIT (RFC 9112 section 2.3); a minor version above 1 is read as 1.1 (RFC 9110 section 2.5).
        if (version.Length != 8 || !version.StartsWith("HTTP/1."u8) || version[7] is < (byte)'0' or > (byte)'9') return ParseResult.Malformed;
        bool http11 = version[7] != (byte)'0';
        request.IsGet = line[..sp1].SequenceEqual("GET"u8);
        var target = line[(sp1 + 1)..sp2];
        if (target.IsEmpty) return ParseResult.Malformed;
        int path = 0; // where the origin-form path starts in the target
        if (target[0] != (byte)'/')
        {
            // Absolute-form (RFC 9112 section 3.2.2: a server MUST accept it): http or https, "://", a non-empty
            // authority, then the path; an empty path is "/" (the target is left empty, which the server reads as "/").
            int scheme = StartsWithAscii(target, "http://") ? 7 : StartsWithAscii(target, "https://") ? 8 : -1;
            if (scheme < 0) return ParseResult.Malformed;
            int end = target[scheme..].IndexOfAny((byte)'/', (byte)'?');
            int authority = end < 0 ? target.Length - scheme : end;
            if (authority == 0) return ParseResult.Malformed;
            path = scheme + authority;
        }
        request.TargetStart = start + sp1 + 1 + path;
        request.TargetLength = target.Length - path;

        bool close = false, keepAlive = false, host = false;
        long contentLength = -1;
        int pos = lineEnd + 1;
        while (pos < head.Length)
        {
            var rest = head[pos..];
            int end = rest.IndexOf((byte)'\n');
            var h = TrimCr(rest[..end]);
            pos += end + 1;
            if (h.IndexOf((byte)'\r') >= 0) return ParseResult.Malformed;       // bare CR
            if (h.Length > 0 && h[0] is (byte)' ' or (byte)'\t') return ParseResult.Malformed; // obs-fold
            int colon = h.IndexOf((byte)':');
            if (colon <= 0) return ParseResult.Malformed;
            var name = h[..colon];
            if (name.IndexOfAny((byte)' ', (byte)'\t') >= 0) return ParseResult.Malformed; // whitespace before the colon
            var value = h[(colon + 1)..].Trim(" \t"u8);
            if (name.NameIs("connection"))
            {
                if (Contains(value, "close")) close = true;
                if (Contains(value, "keep-alive")) keepAlive = true;
            }
            else if (name.NameIs("content-length"))
            {
                if (!TryParseLength(value, out long n) || (contentLength >= 0 && n != contentLength)) return ParseResult.Malformed;
                contentLength = n;
            }
            else if (name.NameIs("host"))
            {
                if (host) return ParseResult.Malformed; // RFC 9112 section 3.2: more than one Host line gets 400
                host = true;
            }
            else if (name.NameIs("transfer-encoding"))
                return ParseResult.Malformed; // chunked request bodies are not supported by this server
        }
        if (http11 && !host) return ParseResult.Malformed; // RFC 9112 section 3.2: an HTTP/1.1 request without Host gets 400
        request.KeepAlive = http11 ? !close : keepAlive && !close;
        long total = bodyStart + Math.Max(contentLength, 0); // at most 2^62 + 16 KiB: no overflow
        request.Length = (int)Math.Min(total, int.MaxValue);
        return data.Length < total ? ParseResult.Incomplete : ParseResult.Complete;
    }

    /// <summary>Whether <paramref name="s"/> starts with <paramref name="lowerPrefix"/>, ASCII case-insensitively.</summary>
    static bool StartsWithAscii(ReadOnlySpan<byte> s, string lowerPrefix) =>
        s.Length >= lowerPrefix.Length && s[..lowerPrefix.Length].NameIs(lowerPrefix);

    static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) => line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    static bool Contains(ReadOnlySpan<byte> value, string token)
    {
        Span<byte> lower = stackalloc byte[64];
        int n = Math.Min(value.Length, lower.Length);
        for (int i = 0; i < n; i++) lower[i] = value[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(value[i] | 0x20) : value[i];
        Span<byte> t = stackalloc byte[token.Length];
        for (int i = 0; i < token.Length; i++) t[i] = (byte)token[i];
        return lower[..n].IndexOf(t) >= 0;
    }

    /// <summary>A Content-Length value: one or more digits (RFC 9110 section 8.6), however many. A value above 2^62 is
    /// read as 2^62: valid, and far more than any request this server takes, so it is refused for its size, not its syntax.</summary>
    static bool TryParseLength(ReadOnlySpan<byte> s, out long v)
    {
        const long Cap = 1L << 62;
        v = 0;
        if (s.Length == 0) return false;
        foreach (byte b in s)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            v = v > (Cap - 9) / 10 ? Cap : Math.Min(v * 10 + (b - '0'), Cap);
        }
        return true;
    }
}

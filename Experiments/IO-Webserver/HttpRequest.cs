namespace IOWebserver;

/// <summary>What the multikernel HTTP server understood of one request. Offsets point into the connection's inbox.</summary>
public struct HttpRequest
{
    public bool IsGet;
    /// <summary>The request's path and query in the inbox (origin-form; of an absolute-form target its path, empty where it has none: "/").</summary>
    public int TargetStart, TargetLength;
    /// <summary>Keep the connection after the response: HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".</summary>
    public bool KeepAlive;
    /// <summary>Bytes of the whole request: head plus body (Content-Length), int.MaxValue for a larger request. Also set
    /// when the result is Incomplete with the head complete (only the body is missing); 0 while the head itself is incomplete.</summary>
    public int Length;
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

using System.Text;

namespace IOWebserver;

/// <summary>
/// The static page every web server in this experiment serves: an HTML document of exactly <see cref="Bytes"/>
/// bytes (the paper's 4.1 kB page), the same bytes for the multikernel server, Kestrel and lighttpd.
/// </summary>
public static class StaticPage
{
    public const int Bytes = 4100;
    public const string Path = "/index.html";

    static readonly Lazy<byte[]> s_body = new(Build);

    public static byte[] Body => s_body.Value;

    static byte[] Build()
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html><head><title>Multikernel static page</title></head><body>\n<h1>Static page</h1>\n");
        int line = 0;
        const string tail = "</body></html>\n";
        while (true)
        {
            string p = $"<p>Line {line++:D4}: the quick brown fox jumps over the lazy dog, served from memory.</p>\n";
            if (sb.Length + p.Length + tail.Length + 7 > Bytes) break; // 7: the padding comment's <!-- and -->
            sb.Append(p);
        }
        sb.Append("<!--");
        int pad = Bytes - sb.Length - 3 - tail.Length;
        sb.Append('x', pad).Append("-->").Append(tail);
        var bytes = Encoding.ASCII.GetBytes(sb.ToString());
        if (bytes.Length != Bytes) throw new InvalidOperationException($"static page is {bytes.Length} bytes, not {Bytes}");
        return bytes;
    }
}

using System.Text;

namespace Multikernel.Tests.Net;

/// <summary>
/// A tiny HTTP/1.1 keep-alive server on <see cref="TcpLayer"/>'s socket API, for tests: every request (headers up to
/// the blank line) gets "hello". It enforces the two limits a server needs against slow or huge requests: a header
/// larger than <paramref name="maxHeaderBytes"/> gets 431 and the connection closed; a header not complete within
/// <paramref name="headerTimeoutMicroseconds"/> gets the connection aborted. (Test code: it may allocate.)
/// </summary>
internal sealed class MiniHttpServer(TcpLayer tcp, ushort port, int maxHeaderBytes = 8192, long headerTimeoutMicroseconds = 5_000_000)
{
    public static readonly byte[] Response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"u8.ToArray();
    public static readonly byte[] TooLarge = "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"u8.ToArray();

    sealed class Conn
    {
        public TcpSocket Socket;
        public int HeaderBytes, Matched;
        public long Since;
    }

    readonly Dictionary<TcpSocket, Conn> _open = [];
    public int Served { get; private set; }
    public int RejectedTooLarge { get; private set; }
    public int TimedOut { get; private set; }
    public int Open => _open.Count;

    public void Poll(long now)
    {
        while (tcp.TryAccept(port, out var s)) _open[s] = new Conn { Socket = s, Since = now };
        while (tcp.TryGetReady(out var s))
            if (_open.TryGetValue(s, out var c)) Serve(c, now);
        foreach (var c in _open.Values.ToList())
        {
            if (c.HeaderBytes > 0 && now - c.Since > headerTimeoutMicroseconds)
            {
                TimedOut++;
                _open.Remove(c.Socket);
                tcp.Abort(c.Socket);
            }
        }
    }

    void Serve(Conn c, long now)
    {
        var s = c.Socket;
        if (tcp.WasReset(s)) { _open.Remove(s); tcp.Close(s); return; }
        while (tcp.Available(s) > 0)
        {
            var bytes = tcp.Peek(s);
            int used = 0;
            bool complete = false;
            while (used < bytes.Length && !complete)
            {
                byte b = bytes[used++];
                if (c.HeaderBytes++ == 0) c.Since = now;
                c.Matched = b == (c.Matched % 2 == 0 ? (byte)'\r' : (byte)'\n') ? c.Matched + 1 : b == '\r' ? 1 : 0;
                complete = c.Matched == 4;
            }
            tcp.Consume(s, used);
            if (complete)
            {
                if (tcp.Send(s, Response) != Response.Length) throw new InvalidOperationException("send buffer full in the test server");
                Served++;
                c.HeaderBytes = c.Matched = 0;
            }
            else if (c.HeaderBytes > maxHeaderBytes)
            {
                RejectedTooLarge++;
                tcp.Consume(s, tcp.Available(s));
                tcp.Send(s, TooLarge);
                _open.Remove(s);
                tcp.Close(s);
                return;
            }
        }
        if (tcp.PeerClosed(s)) { _open.Remove(s); tcp.Close(s); }
    }

    public static byte[] Request(string path = "/") => Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
}

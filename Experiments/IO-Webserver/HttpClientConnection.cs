using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IOWebserver;

/// <summary>
/// A plain blocking HTTP/1.1 client connection for checks (not for load): sends raw request bytes exactly as given
/// (so a test can split or pipeline them) and reads responses one by one, framed by Content-Length.
/// </summary>
public sealed class HttpClientConnection : IDisposable
{
    readonly Socket _socket;
    byte[] _buffer = new byte[64 * 1024];
    int _start, _end;

    public HttpClientConnection(int port, TimeSpan? timeout = null) : this(IPAddress.Loopback, port, timeout) { }

    /// <summary>Connects to <paramref name="address"/>:<paramref name="port"/> from the calling thread's network namespace.</summary>
    public HttpClientConnection(IPAddress address, int port, TimeSpan? timeout = null)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        int ms = (int)(timeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds;
        _socket.ReceiveTimeout = ms;
        _socket.SendTimeout = ms;
        _socket.Connect(new IPEndPoint(address, port));
    }

    public void Send(string raw) => Send(Encoding.ASCII.GetBytes(raw));

    public void Send(ReadOnlySpan<byte> raw)
    {
        while (raw.Length > 0) raw = raw[_socket.Send(raw)..];
    }

    /// <summary>Ends the sending side (shutdown SHUT_WR): the server reads end-of-stream after the requests sent.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads the next response; throws if the connection closes or times out first.</summary>
    public HttpReply Read()
    {
        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0) Fill();
        string head = Encoding.ASCII.GetString(_buffer, _start, headEnd);
        _start += headEnd + 4;
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(status[1], out int code))
            throw new InvalidDataException($"not an HTTP status line: '{lines[0]}'");
        var headers = new Dictionary<string, string>();
        foreach (var l in lines.Skip(1))
        {
            int colon = l.IndexOf(':');
            if (colon <= 0) throw new InvalidDataException($"bad header line '{l}'");
            headers[l[..colon].Trim().ToLowerInvariant()] = l[(colon + 1)..].Trim();
        }
        if (!headers.TryGetValue("content-length", out var cl) || !int.TryParse(cl, out int length))
            throw new InvalidDataException("response without a Content-Length (this suite's servers always send one)");
        while (_end - _start < length) Fill();
        var body = _buffer.AsSpan(_start, length).ToArray();
        _start += length;
        return new HttpReply(code, headers, body);
    }

    /// <summary>True when the server closed the connection (a read returns 0) within the timeout.</summary>
    public bool ClosedByServer()
    {
        try { return _end > _start ? false : _socket.Receive(new byte[1]) == 0; }
        catch (SocketException) { return false; }
    }

    void Fill()
    {
        if (_start > 0) { Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start); _end -= _start; _start = 0; }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int n = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        if (n == 0) throw new EndOfStreamException("the server closed the connection before a whole response arrived");
        _end += n;
    }

    public void Dispose() => _socket.Dispose();
}

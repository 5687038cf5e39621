namespace IOWebserver;

/// <summary>
/// The HTTP server's state for one connection (owned by the HTTP dispatcher's core): the bytes received and not yet
/// consumed as complete requests, and whether a response is still being produced elsewhere (a database query),
/// in which case later pipelined requests wait so that responses leave in request order.
/// </summary>
public sealed class HttpConnection
{
    public const int InboxBytes = 16 * 1024;

    public readonly byte[] Inbox = new byte[InboxBytes];
    public int Length;
    public ulong Id;
    public bool Open;
    /// <summary>A Close has been sent to the driver: ignore further requests.</summary>
    public bool Closing;
    /// <summary>A database query for this connection is outstanding.</summary>
    public bool AwaitingDatabase;
    /// <summary>Queued for a transmit buffer (none was free when its next request was parsed).</summary>
    public bool WaitingForBuffer;

    public void Reset(ulong id)
    {
        Id = id;
        Length = 0;
        Open = true;
        Closing = AwaitingDatabase = WaitingForBuffer = false;
    }

    public void Consume(int bytes)
    {
        Inbox.AsSpan(bytes, Length - bytes).CopyTo(Inbox);
        Length -= bytes;
    }
}

using System.Diagnostics;
using Multikernel.Drivers;

namespace IOWebserver;

/// <summary>
/// The HTTP server's state for one connection (owned by the HTTP dispatcher's core): the bytes received and not yet
/// consumed as complete requests (in an inbox lent from the server's <see cref="InboxPool"/> only while there are
/// such bytes), the receive descriptors not yet copied into the inbox, and whether a response is still being produced
/// elsewhere (a database query), in which case later pipelined requests wait so that responses leave in request order.
/// <para>Invariants: at most <see cref="ServedConnection.RxCredits"/> receive descriptors are pending (the
/// driver sends no more until one is returned); <see cref="Inbox"/> is null whenever <see cref="Length"/> is 0 and
/// nothing is pending, outside the server's handling of one message.</para>
/// </summary>
public sealed class HttpConnection
{
    public const int InboxBytes = 16 * 1024;

    /// <summary>The bytes received and not yet consumed; null while there are none (the inbox is back in the pool).</summary>
    public byte[]? Inbox;
    public int Length;
    public ulong Id;
    public bool Open;
    /// <summary>A Close has been sent to the driver: ignore further requests.</summary>
    public bool Closing;
    /// <summary>A database query for this connection is outstanding.</summary>
    public bool AwaitingDatabase;
    /// <summary>Queued for a transmit buffer (none was free when its next request was parsed).</summary>
    public bool WaitingForBuffer;
    /// <summary>Queued for an inbox (the pool was empty when bytes arrived).</summary>
    public bool WaitingForInbox;
    /// <summary>The client ended its sending side (ReadEnd): once the requests received are answered, the server closes.</summary>
    public bool PeerDone;

    readonly (int Buffer, int Length)[] _pending = new (int, int)[ServedConnection.RxCredits];
    int _pendingHead, _pendingCount;

    /// <summary>Receive descriptors not yet (wholly) copied into the inbox.</summary>
    public int PendingCount => _pendingCount;
    /// <summary>The oldest pending descriptor; <see cref="PendingCopied"/> of its bytes are already in the inbox.</summary>
    public (int Buffer, int Length) PendingHead => _pending[_pendingHead];
    public int PendingCopied;

    public void Reset(ulong id)
    {
        Debug.Assert(Inbox == null && _pendingCount == 0, "a connection slot reused before its inbox and descriptors were given back");
        Id = id;
        Length = 0;
        Open = true;
        Closing = AwaitingDatabase = WaitingForBuffer = WaitingForInbox = PeerDone = false;
    }

    public void AddPending(int buffer, int length)
    {
        if (_pendingCount == _pending.Length)
            throw new InvalidOperationException($"HTTP server: more than {_pending.Length} receive descriptors out for one connection (the driver's credit limit)");
        _pending[(_pendingHead + _pendingCount++) % _pending.Length] = (buffer, length);
    }

    public void DropPendingHead()
    {
        Debug.Assert(_pendingCount > 0);
        _pendingHead = (_pendingHead + 1) % _pending.Length;
        _pendingCount--;
        PendingCopied = 0;
    }

    /// <summary>Free room in the inbox.</summary>
    public int Room => InboxBytes - Length;

    public void Consume(int bytes)
    {
        Inbox.AsSpan(bytes, Length - bytes).CopyTo(Inbox);
        Length -= bytes;
    }
}

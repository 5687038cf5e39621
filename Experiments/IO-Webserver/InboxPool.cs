namespace IOWebserver;

/// <summary>
/// The HTTP server's connection inboxes: a fixed number, allocated once, lent to a connection only while it holds
/// received bytes not yet answered. The server's memory for request bytes is therefore bounded by
/// <see cref="Count"/> x <see cref="HttpConnection.InboxBytes"/> however many connections are open, and an idle
/// connection holds none. Owned by the HTTP dispatcher's core (no locks).
/// </summary>
public sealed class InboxPool
{
    readonly byte[][] _free;
    int _available;

    public int Count { get; }
    public int Available => _available;

    public InboxPool(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _free = new byte[count][];
        for (int i = 0; i < count; i++) _free[i] = new byte[HttpConnection.InboxBytes];
        _available = count;
    }

    public bool TryTake(out byte[] inbox)
    {
        if (_available == 0) { inbox = null!; return false; }
        inbox = _free[--_available];
        return true;
    }

    public void Return(byte[] inbox)
    {
        if (_available == Count) throw new InvalidOperationException("HTTP server: an inbox returned twice");
        _free[_available++] = inbox;
    }
}

using Multikernel.CpuDriver;
using Multikernel.Drivers;
using Multikernel.Urpc;
using static Multikernel.Drivers.NicMessages;

namespace IOWebserver;

/// <summary>
/// The multikernel HTTP server, a dispatcher on its own core behind the TCP NIC driver. It receives request bytes
/// as descriptors into the driver's receive pool, copies them into the connection's inbox and returns the buffer at
/// once; parses HTTP/1.x keep-alive requests (pipelined ones one after another, split ones when complete); serves
/// the static page from memory (one copy of the prebuilt response into a transmit buffer of its own pool) and
/// dynamic item pages by asking the database dispatcher (optional) to render into a transmit buffer; and hands each
/// response to the driver as a Tx descriptor. Responses of a connection leave in request order.
/// <para>Invariants: only this dispatcher allocates and frees transmit buffers; a buffer is free, out at the
/// driver (Tx until TxDone) or out at the database (Query until Result), and each one that comes back free (a TxDone,
/// or the Result for a connection that closed meanwhile) goes first to the connections waiting for one. A connection is served only between its
/// Open and Closed messages, matched by id. A receive buffer is returned (RxDone) once its bytes are in the
/// connection's inbox, or dropped; until then it counts against the connection's receive credits at the driver, which
/// stops reading the connection when they are used up: a client that pipelines faster than the responses can leave
/// (no free transmit buffer, a database query outstanding, a full inbox) is held back by TCP, not dropped.</para>
/// <para>Memory: the connection objects exist once per slot of the driver's table; inboxes come from a fixed
/// <see cref="InboxPool"/> and only while a connection has unanswered bytes.</para>
/// <para>Requests: lines may end in CRLF or, as RFC 9112 section 2.2 allows a recipient to accept, in a bare LF; a
/// bare CR, whitespace before a header's colon and obsolete line folding are refused with 400; a client that ends its
/// sending side after its requests (ReadEnd) gets their responses, then the connection is closed; a request head that
/// does not fit in an inbox gets 431, a request whose Content-Length body does not fit in an inbox with its head 413 (as
/// soon as the head is in, whatever the Content-Length's size).</para>
/// </summary>
public sealed class HttpServerDispatcher : Dispatcher
{
    public const int Batch = 32;
    /// <summary>Inboxes in the pool: connections that can hold unanswered bytes at once (4 MiB of 16 KiB inboxes).</summary>
    public const int Inboxes = 256;

    readonly UrpcEndpoint _driver;
    readonly UrpcEndpoint? _database;
    readonly PacketPool _rxPool, _txPool;
    readonly UrpcBacklog _toDriver = new(), _toDatabase = new();
    readonly HttpConnection[] _connections = new HttpConnection[TcpNicDriver.MaxConnections];
    readonly InboxPool _inboxes = new(Inboxes);
    readonly Queue<int> _waitingForBuffer = new(TcpNicDriver.MaxConnections), _waitingForInbox = new(TcpNicDriver.MaxConnections);

    public long Requests { get; private set; }
    public long StaticResponses { get; private set; }
    public long DynamicResponses { get; private set; }
    public long Errors { get; private set; }
    /// <summary>Inboxes lent to connections now (read it after the server stopped).</summary>
    public int InboxesInUse => _inboxes.Count - _inboxes.Available;
    /// <summary>Optional: measures this core's allocations over a window of parsed requests (set before the server starts).</summary>
    public Multikernel.Drivers.AllocationProbe? Probe { get; init; }

    /// <param name="database">This dispatcher's end of the binding to the database dispatcher, or null (dynamic pages then answer 404).</param>
    public HttpServerDispatcher(UrpcEndpoint driver, PacketPool rxPool, PacketPool txPool, UrpcEndpoint? database) : base("http-server")
    {
        _driver = driver;
        _rxPool = rxPool;
        _txPool = txPool;
        _database = database;
        for (int i = 0; i < _connections.Length; i++) _connections[i] = new HttpConnection();
    }

    protected override void OnStart()
    {
        Waitset.Add(_driver.Receiver, OnMessage);
        if (_database != null) Waitset.Add(_database.Receiver, OnMessage);
    }

    protected override bool HasLocalWork => _toDriver.Count > 0 || _toDatabase.Count > 0;

    protected override bool Run()
    {
        bool progress = false;
        if (_toDriver.Count > 0) progress |= _toDriver.Flush(_driver.Sender) > 0;
        if (_toDatabase.Count > 0) progress |= _toDatabase.Flush(_database!.Sender) > 0;
        for (int k = 0; k < Batch && _driver.Receiver.TryReceive(out UrpcMessage m); k++) { OnMessage(in m); progress = true; }
        if (_database != null)
            for (int k = 0; k < Batch && _database.Receiver.TryReceive(out UrpcMessage m); k++) { OnMessage(in m); progress = true; }
        Probe?.Observe(Requests);
        return progress;
    }

    void OnMessage(in UrpcMessage m)
    {
        switch (m.Type)
        {
            case Open.TypeId:
            {
                ulong id = Open.Decode(in m).Flow;
                _connections[TcpNicDriver.Slot(id)].Reset(id);
                break;
            }
            case Closed.TypeId:
            {
                ulong id = Closed.Decode(in m).Flow;
                var c = _connections[TcpNicDriver.Slot(id)];
                if (c.Id != id) break;
                c.Open = false;
                ReturnPending(c);
                c.Length = 0;
                ReleaseInbox(c);
                break;
            }
            case ReadEnd.TypeId:
            {
                ulong id = ReadEnd.Decode(in m).Flow;
                var c = _connections[TcpNicDriver.Slot(id)];
                if (c.Id != id || !c.Open || c.Closing) break;
                c.PeerDone = true;
                Serve(c);
                break;
            }
            case Rx.TypeId:
            {
                var rx = Rx.Decode(in m);
                OnBytes(rx.Buffer, rx.Length, rx.Flow);
                break;
            }
            case TxDone.TypeId:
                _txPool.Free(TxDone.Decode(in m).Buffer);
                ServeWaiting();
                break;
            case DatabaseMessages.Result.TypeId:
                OnDatabaseResult(DatabaseMessages.Result.Decode(in m));
                break;
            default:
                throw new InvalidDataException($"HTTP server: unexpected message type {m.Type}");
        }
    }

    void OnBytes(int buffer, int length, ulong id)
    {
        var c = _connections[TcpNicDriver.Slot(id)];
        if (c.Id != id || !c.Open || c.Closing)
        {
            ToDriver(new RxDone(buffer, id));
            return;
        }
        c.AddPending(buffer, length);
        Serve(c);
    }

    /// <summary>Copies pending receive buffers into the connection's inbox as far as there is room (taking an inbox
    /// from the pool first if it has none), returning each to the driver once wholly copied; false if it has to wait
    /// for an inbox.</summary>
    bool Fill(HttpConnection c)
    {
        while (c.PendingCount > 0)
        {
            if (c.Inbox == null)
            {
                if (!_inboxes.TryTake(out var inbox))
                {
                    if (!c.WaitingForInbox) { c.WaitingForInbox = true; _waitingForInbox.Enqueue(TcpNicDriver.Slot(c.Id)); }
                    return false;
                }
                c.Inbox = inbox;
            }
            var (buffer, length) = c.PendingHead;
            int n = Math.Min(length - c.PendingCopied, c.Room);
            if (n == 0) return true;
            _rxPool[buffer].Slice(c.PendingCopied, n).CopyTo(c.Inbox.AsSpan(c.Length));
            c.Length += n;
            c.PendingCopied += n;
            if (c.PendingCopied < length) return true;
            c.DropPendingHead();
            ToDriver(new RxDone(buffer, c.Id));
        }
        return true;
    }

    /// <summary>Returns the connection's pending receive buffers to the driver unread (it is closing or closed).</summary>
    void ReturnPending(HttpConnection c)
    {
        while (c.PendingCount > 0) { ToDriver(new RxDone(c.PendingHead.Buffer, c.Id)); c.DropPendingHead(); }
    }

    /// <summary>Answers the complete requests at the front of the inbox, in order, while transmit buffers last, and
    /// keeps the inbox filled from the pending receive buffers.</summary>
    void Serve(HttpConnection c)
    {
        while (c.Open && !c.Closing && !c.AwaitingDatabase && Fill(c) && c.Length > 0)
        {
            if (_txPool.Available == 0)
            {
                if (!c.WaitingForBuffer) { c.WaitingForBuffer = true; _waitingForBuffer.Enqueue(TcpNicDriver.Slot(c.Id)); }
                break;
            }
            var result = HttpRequestParser.TryParse(c.Inbox.AsSpan(0, c.Length), out HttpRequest r);
            if (result == ParseResult.Incomplete)
            {
                // More bytes can still come while the inbox has room and the whole request would fit in it. Otherwise the
                // request is larger than this server accepts: its head (431: the inbox filled before the head ended) or,
                // the head complete, its body (413, as soon as the head's Content-Length says so: the body would only
                // fill the inbox first, and a client waiting to send it would wait for the request timeout).
                if (c.Length < HttpConnection.InboxBytes && r.Length <= HttpConnection.InboxBytes) break;
                Errors++;
                c.Length = 0;
                Respond(c, r.Length > 0 ? HttpResponses.ContentTooLarge : HttpResponses.HeadTooLarge, keepAlive: false);
                break;
            }
            if (result == ParseResult.Malformed)
            {
                Errors++;
                c.Length = 0;
                Respond(c, HttpResponses.BadRequest, keepAlive: false);
                break;
            }
            Requests++;
            var target = c.Inbox.AsSpan(r.TargetStart, r.TargetLength);
            bool keepAlive = r.KeepAlive;
            if (!r.IsGet) { c.Consume(r.Length); Errors++; Respond(c, HttpResponses.MethodNotAllowed, keepAlive: false); break; }
            if (target.SequenceEqual("/index.html"u8) || target.SequenceEqual("/"u8) || target.IsEmpty) // empty: an absolute-form target without a path
            {
                c.Consume(r.Length);
                StaticResponses++;
                Respond(c, keepAlive ? HttpResponses.StaticKeepAlive : HttpResponses.StaticClose, keepAlive);
            }
            else if (_database != null && ItemRoute.TryParse(target, out long item))
            {
                c.Consume(r.Length);
                _txPool.TryAllocate(out int tx);
                c.AwaitingDatabase = true;
                _toDatabase.Send(_database.Sender, new DatabaseMessages.Query(tx, item, c.Id, keepAlive));
            }
            else
            {
                c.Consume(r.Length);
                Respond(c, keepAlive ? HttpResponses.NotFoundKeepAlive : HttpResponses.NotFoundClose, keepAlive);
            }
        }
        // A client that ended its sending side is closed once every complete request it sent is answered (what is left
        // in the inbox is an unfinished request that can no longer complete).
        if (c.PeerDone && c.Open && !c.Closing && !c.AwaitingDatabase && !c.WaitingForBuffer && !c.WaitingForInbox && c.PendingCount == 0)
            CloseAfterResponse(c);
        if (c.Closing)
        {
            // Nothing more is read from a closing connection: its pending buffers go back now.
            ReturnPending(c);
            c.Length = 0;
        }
        if (c.Length == 0 && c.PendingCount == 0) ReleaseInbox(c);
    }

    /// <summary>Gives an empty connection's inbox back to the pool and lets a connection that waits for one go on.</summary>
    void ReleaseInbox(HttpConnection c)
    {
        if (c.Inbox == null) return;
        _inboxes.Return(c.Inbox);
        c.Inbox = null;
        while (_waitingForInbox.Count > 0 && _inboxes.Available > 0)
        {
            var w = _connections[_waitingForInbox.Dequeue()];
            w.WaitingForInbox = false;
            if (w.Open) Serve(w);
        }
    }

    /// <summary>Copies a prebuilt response into a transmit buffer (the caller made sure one is free) and hands it to the driver.</summary>
    void Respond(HttpConnection c, byte[] response, bool keepAlive)
    {
        if (!_txPool.TryAllocate(out int tx)) throw new InvalidOperationException("HTTP server: no transmit buffer although one was checked free");
        response.CopyTo(_txPool[tx]);
        ToDriver(new Tx(tx, response.Length, c.Id));
        if (!keepAlive) CloseAfterResponse(c);
    }

    void CloseAfterResponse(HttpConnection c)
    {
        c.Closing = true;
        ToDriver(new Close(c.Id));
    }

    void OnDatabaseResult(in DatabaseMessages.Result r)
    {
        var c = _connections[TcpNicDriver.Slot(r.Connection)];
        if (c.Id != r.Connection || !c.Open)
        {
            // The connection closed while its page was rendered: the buffer is free again, for whoever waits for one.
            _txPool.Free(r.Buffer);
            ServeWaiting();
            return;
        }
        c.AwaitingDatabase = false;
        int start = HttpResponses.WriteHeadBefore(_txPool[r.Buffer], r.Status, r.Length, r.KeepAlive);
        DynamicResponses++;
        ToDriver(new Tx(r.Buffer, HttpResponses.HeadRoom - start + r.Length, c.Id, start));
        if (!r.KeepAlive) CloseAfterResponse(c);
        else Serve(c);
    }

    void ServeWaiting()
    {
        while (_waitingForBuffer.Count > 0 && _txPool.Available > 0)
        {
            var c = _connections[_waitingForBuffer.Dequeue()];
            c.WaitingForBuffer = false;
            if (c.Open) Serve(c);
        }
    }

    void ToDriver<T>(in T message) where T : struct, IUrpcMessage<T> => _toDriver.Send(_driver.Sender, in message);
}

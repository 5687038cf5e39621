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
/// driver (Tx until TxDone) or out at the database (Query until Result). A connection is served only between its
/// Open and Closed messages, matched by id.</para>
/// </summary>
public sealed class HttpServerDispatcher : Dispatcher
{
    public const int Batch = 32;

    readonly UrpcEndpoint _driver;
    readonly UrpcEndpoint? _database;
    readonly PacketPool _rxPool, _txPool;
    readonly UrpcBacklog _toDriver = new(), _toDatabase = new();
    readonly HttpConnection?[] _connections = new HttpConnection?[TcpNicDriver.MaxConnections];
    readonly Queue<int> _waitingForBuffer = new();

    public long Requests { get; private set; }
    public long StaticResponses { get; private set; }
    public long DynamicResponses { get; private set; }
    public long Errors { get; private set; }
    /// <summary>Optional: measures this core's allocations over a window of parsed requests (set before the server starts).</summary>
    public Multikernel.Drivers.AllocationProbe? Probe { get; init; }

    /// <param name="database">This dispatcher's end of the binding to the database dispatcher, or null (dynamic pages then answer 404).</param>
    public HttpServerDispatcher(UrpcEndpoint driver, PacketPool rxPool, PacketPool txPool, UrpcEndpoint? database) : base("http-server")
    {
        _driver = driver;
        _rxPool = rxPool;
        _txPool = txPool;
        _database = database;
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
                (_connections[TcpNicDriver.Slot(id)] ??= new HttpConnection()).Reset(id);
                break;
            }
            case Closed.TypeId:
            {
                ulong id = Closed.Decode(in m).Flow;
                var c = _connections[TcpNicDriver.Slot(id)];
                if (c != null && c.Id == id) c.Open = false;
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
        if (c == null || c.Id != id || !c.Open || c.Closing)
        {
            ToDriver(new RxDone(buffer, id));
            return;
        }
        if (c.Length + length > c.Inbox.Length)
        {
            // A request head larger than the inbox: refuse it and close.
            ToDriver(new RxDone(buffer, id));
            Errors++;
            c.Length = 0;
            Respond(c, HttpResponses.BadRequest, keepAlive: false);
            return;
        }
        _rxPool[buffer][..length].CopyTo(c.Inbox.AsSpan(c.Length));
        c.Length += length;
        ToDriver(new RxDone(buffer, id));
        Serve(c);
    }

    /// <summary>Answers the complete requests at the front of the inbox, in order, while transmit buffers last.</summary>
    void Serve(HttpConnection c)
    {
        while (c.Open && !c.Closing && !c.AwaitingDatabase && c.Length > 0)
        {
            if (_txPool.Available == 0)
            {
                if (!c.WaitingForBuffer) { c.WaitingForBuffer = true; _waitingForBuffer.Enqueue(TcpNicDriver.Slot(c.Id)); }
                return;
            }
            var result = HttpRequestParser.TryParse(c.Inbox.AsSpan(0, c.Length), out HttpRequest r);
            if (result == ParseResult.Incomplete) return;
            if (result == ParseResult.Malformed)
            {
                Errors++;
                c.Length = 0;
                Respond(c, HttpResponses.BadRequest, keepAlive: false);
                return;
            }
            Requests++;
            var target = c.Inbox.AsSpan(r.TargetStart, r.TargetLength);
            bool keepAlive = r.KeepAlive;
            if (!r.IsGet) { c.Consume(r.Length); Errors++; Respond(c, HttpResponses.MethodNotAllowed, keepAlive: false); return; }
            if (target.SequenceEqual("/index.html"u8) || target.SequenceEqual("/"u8))
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
        if (c == null || c.Id != r.Connection || !c.Open)
        {
            _txPool.Free(r.Buffer);
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
            if (c == null) continue;
            c.WaitingForBuffer = false;
            Serve(c);
        }
    }

    void ToDriver<T>(in T message) where T : struct, IUrpcMessage<T> => _toDriver.Send(_driver.Sender, in message);
}

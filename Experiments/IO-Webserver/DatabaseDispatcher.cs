using Microsoft.Data.Sqlite;
using Multikernel.CpuDriver;
using Multikernel.Drivers;
using Multikernel.Urpc;

namespace IOWebserver;

/// <summary>
/// The database server of the dynamic pages, a dispatcher on its own core: it owns an SQLite connection (opened on
/// its core) and answers Query descriptors from the HTTP server by running the product-detail query and rendering
/// the page straight into the transmit buffer the query named, then returning a Result descriptor. This path
/// allocates (SQLite's reader returns managed strings; the page is rendered through a string); the drivers and the
/// static path do not.
/// </summary>
public sealed class DatabaseDispatcher : Dispatcher
{
    readonly UrpcEndpoint _http;
    readonly PacketPool _txPool;
    readonly string _path;
    readonly UrpcBacklog _toHttp = new();
    SqliteConnection? _db;
    SqliteCommand? _detail;

    public long Queries { get; private set; }
    public long Misses { get; private set; }

    public DatabaseDispatcher(UrpcEndpoint http, PacketPool txPool, string databasePath) : base("database")
    {
        _http = http;
        _txPool = txPool;
        _path = databasePath;
    }

    protected override void OnStart()
    {
        _db = ItemDatabase.OpenReadOnly(_path);
        _detail = ItemDatabase.PrepareDetail(_db);
        Waitset.Add(_http.Receiver, OnQuery);
    }

    protected override bool HasLocalWork => _toHttp.Count > 0;

    protected override bool Run() => _toHttp.Count > 0 && _toHttp.Flush(_http.Sender) > 0;

    void OnQuery(in UrpcMessage m)
    {
        if (m.Type != DatabaseMessages.Query.TypeId) throw new InvalidDataException($"database: unexpected message type {m.Type}");
        var query = DatabaseMessages.Query.Decode(in m);
        int tx = query.Buffer;
        var body = _txPool[tx][HttpResponses.HeadRoom..];
        Queries++;
        var item = ItemDatabase.Read(_detail!, query.Item);
        int length, status;
        if (item == null)
        {
            Misses++;
            ItemPage.NotFound.CopyTo(body);
            (length, status) = (ItemPage.NotFound.Length, 404);
        }
        else
        {
            var page = ItemPage.Bytes(item);
            if (page.Length > body.Length) throw new InvalidOperationException($"item page of {page.Length} B does not fit a {body.Length} B transmit buffer");
            page.CopyTo(body);
            (length, status) = (page.Length, 200);
        }
        _toHttp.Send(_http.Sender, new DatabaseMessages.Result(tx, length, query.Connection, status, query.KeepAlive));
    }

    protected override void OnStop()
    {
        _detail?.Dispose();
        _db?.Dispose();
    }
}

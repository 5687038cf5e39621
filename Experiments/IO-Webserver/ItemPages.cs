using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IOWebserver;

/// <summary>The dynamic item pages in the Kestrel baseline: the same query and the same rendering as the multikernel database dispatcher.</summary>
public static class ItemPages
{
    public static void MapKestrel(WebApplication app, string database)
    {
        // One read-only connection and prepared command per thread-pool thread: what a careful ASP.NET programmer
        // would do with SQLite (connections are not thread-safe; opening one per request costs more).
        var detail = new ThreadLocal<Microsoft.Data.Sqlite.SqliteCommand>(() => ItemDatabase.PrepareDetail(ItemDatabase.OpenReadOnly(database)));
        app.MapGet("/item", (long id) =>
        {
            var item = id > 0 ? ItemDatabase.Read(detail.Value!, id) : null;
            return item == null
                ? Results.Text(System.Text.Encoding.UTF8.GetString(ItemPage.NotFound), "text/html", System.Text.Encoding.UTF8, 404)
                : Results.Bytes(ItemPage.Bytes(item), "text/html");
        });
    }
}

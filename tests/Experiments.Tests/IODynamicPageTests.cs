using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Experiments.Tests;

/// <summary>
/// The dynamic pages: the multikernel server with a database dispatcher answers each item page with what the SQLite
/// file holds for that item (checked against an independent SQL query here, not only against the renderer), 404
/// for a missing item, in request order when pipelined.
/// </summary>
public class IODynamicPageTests
{
    static string NewDatabase(int items = 200)
    {
        string path = Path.Combine(TestCores.TempDir(), "items.sqlite");
        ItemDatabase.Create(path, items);
        return path;
    }

    static (string Title, string First, string Last, double Cost, string Subject) Independent(string db, long id)
    {
        using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT i_title, a_fname, a_lname, i_cost, i_subject FROM item, author WHERE a_id = i_a_id AND i_id = " + id.ToString(CultureInfo.InvariantCulture);
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read(), $"item {id} missing from the database");
        return (r.GetString(0), r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetString(4));
    }

    [Fact]
    public void ItemPagesHoldWhatTheDatabaseHoldsAndMissingItemsAre404()
    {
        Assert.SkipUnless(TestCores.HasTwo, "the multikernel server needs two cores; this process may use one");
        string db = NewDatabase();
        using var server = MkWebServer.Start(TestCores.First(2), (http, pool) => new DatabaseDispatcher(http, pool, db));
        using var c = new HttpClientConnection(server.Port);
        long[] ids = [1, 17, 200, 201, 99];
        c.Send(string.Concat(ids.Select(id => $"GET /item?id={id} HTTP/1.1\r\nHost: x\r\n\r\n")));
        foreach (long id in ids)
        {
            var r = c.Read();
            if (id > 200) { Assert.Equal(404, r.Status); continue; }
            Assert.Equal(200, r.Status);
            Assert.Equal(r.Body.Length.ToString(CultureInfo.InvariantCulture), r.Header("content-length"));
            string body = Encoding.UTF8.GetString(r.Body);
            var want = Independent(db, id);
            Assert.Contains($"<h1>{WebUtility.HtmlEncode(want.Title)}</h1>", body);
            Assert.Contains($"by {WebUtility.HtmlEncode(want.First)} {WebUtility.HtmlEncode(want.Last)}", body);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"<td>Our price</td><td>${want.Cost:0.00}</td>"), body);
            Assert.Contains($"<td>Subject</td><td>{want.Subject}</td>", body);
        }
        Assert.Null(WebCheck.Dynamic(server.Port, db, 200));
        // Told the database ends one item earlier, the check asks for item 200 as missing and reports that it was served.
        Assert.Equal("item 200 (not in the database): status 200, expected 404", WebCheck.Dynamic(server.Port, db, 199));
        // The static page is still served beside the dynamic ones.
        Assert.Null(WebCheck.Static(server.Port));
        Assert.Contains("dynamic", server.Stop());
    }

    [Fact]
    public void TheDatabaseIsTheSameForTheSameSeedAndHasEveryItem()
    {
        string a = NewDatabase(), b = NewDatabase();
        using var ca = ItemDatabase.OpenReadOnly(a);
        using var cb = ItemDatabase.OpenReadOnly(b);
        using var da = ItemDatabase.PrepareDetail(ca);
        using var dbb = ItemDatabase.PrepareDetail(cb);
        for (long id = 1; id <= 200; id++)
        {
            var item = ItemDatabase.Read(da, id);
            Assert.True(item != null, $"item {id} has no row joined with its author");
            Assert.Equal(item, ItemDatabase.Read(dbb, id));
        }
        Assert.Null(ItemDatabase.Read(da, 201));
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void ItemRouteAcceptsOnlyPositiveWholeIds()
    {
        Assert.True(ItemRoute.TryParse("/item?id=42"u8, out long id));
        Assert.Equal(42, id);
        Assert.False(ItemRoute.TryParse("/item?id=0"u8, out _));
        Assert.False(ItemRoute.TryParse("/item?id="u8, out _));
        Assert.False(ItemRoute.TryParse("/item?id=4x"u8, out _));
        Assert.False(ItemRoute.TryParse("/items?id=4"u8, out _));
        Assert.True(ItemRoute.TryParse("/item?id=999999999999"u8, out id)); // twelve digits: the most taken
        Assert.Equal(999_999_999_999, id);
        Assert.False(ItemRoute.TryParse("/item?id=1000000000000"u8, out _));
        Assert.False(ItemRoute.TryParse("/item?id=99999999999999999999"u8, out _)); // would wrap a long
    }

    /// <summary>The page escapes what the database holds: a title with markup is shown as text, in the title and the heading.</summary>
    [Fact]
    public void ItemPageEscapesTheDatabasesText()
    {
        var row = new ItemRow(5, "<b>Fish & Chips</b>", "Ann", "Lee", "P", "S", "D", 1.5, 2.25, "123", 10, "HARDBACK", "2000-01-01");
        string page = ItemPage.Render(row);
        string[] parts = ["<title>&lt;b&gt;Fish &amp; Chips&lt;/b&gt;</title>", "<h1>&lt;b&gt;Fish &amp; Chips&lt;/b&gt;</h1>",
                          "<td>Our price</td><td>$1.50</td>", "<td>List price</td><td>$2.25</td>"];
        Assert.All(parts, part => Assert.Contains(part, page));
        Assert.DoesNotContain("<b>", page);
    }
}

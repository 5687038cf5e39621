namespace IOWebserver;

/// <summary>
/// The correctness check every web server passes before it is measured: on one keep-alive connection, two pipelined
/// GETs of the static page, then one more after the answers; each answer must be 200 with Content-Length equal to
/// the page's size and the page's exact bytes, and the connection must stay open. For dynamic servers, item pages
/// are compared with what the database holds.
/// </summary>
public static class WebCheck
{
    /// <summary>Null when the server answers correctly, else what was wrong.</summary>
    public static string? Static(int port) => Static(() => new HttpClientConnection(port));

    /// <summary>Null when the server answers correctly, else what was wrong; <paramref name="connect"/> opens the client connection.</summary>
    public static string? Static(Func<HttpClientConnection> connect)
    {
        try
        {
            using var c = connect();
            c.Send($"GET {StaticPage.Path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET {StaticPage.Path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            for (int i = 0; i < 2; i++) if (PageProblem(c.Read(), StaticPage.Body) is { } p) return $"pipelined response {i + 1}: {p}";
            c.Send($"GET {StaticPage.Path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            return PageProblem(c.Read(), StaticPage.Body) is { } q ? $"third response on the kept-alive connection: {q}" : null;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>
    /// Null when the server's item pages equal the pages rendered from the database file itself: items 1, 2 and the
    /// last (pipelined), then one from the middle on the kept-alive connection, and 404 for an id past the end.
    /// </summary>
    public static string? Dynamic(int port, string database, int items) => Dynamic(() => new HttpClientConnection(port), database, items);

    /// <summary>As <see cref="Dynamic(int, string, int)"/>, over the connection <paramref name="connect"/> opens.</summary>
    public static string? Dynamic(Func<HttpClientConnection> connect, string database, int items)
    {
        try
        {
            using var db = ItemDatabase.OpenReadOnly(database);
            using var detail = ItemDatabase.PrepareDetail(db);
            byte[] Expected(long id) => ItemPage.Bytes(ItemDatabase.Read(detail, id) ?? throw new InvalidDataException($"item {id} is not in the database"));
            using var c = connect();
            long[] ids = [1, 2, items];
            c.Send(string.Concat(ids.Select(id => $"GET {ItemRoute.Prefix}{id} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")));
            foreach (long id in ids)
                if (PageProblem(c.Read(), Expected(id)) is { } p) return $"item {id}: {p}";
            c.Send($"GET {ItemRoute.Prefix}{items / 2} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            if (PageProblem(c.Read(), Expected(items / 2)) is { } q) return $"item {items / 2}: {q}";
            c.Send($"GET {ItemRoute.Prefix}{items + 1} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            var missing = c.Read();
            return missing.Status == 404 ? null : $"item {items + 1} (not in the database): status {missing.Status}, expected 404";
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>Null when the reply is 200 with the expected body and a matching Content-Length.</summary>
    public static string? PageProblem(HttpReply r, byte[] expected)
    {
        if (r.Status != 200) return $"status {r.Status}, expected 200";
        if (r.Header("content-length") != expected.Length.ToString()) return $"Content-Length {r.Header("content-length")}, expected {expected.Length}";
        if (!r.Body.AsSpan().SequenceEqual(expected)) return "body differs from the expected page";
        if (string.Equals(r.Header("connection"), "close", StringComparison.OrdinalIgnoreCase)) return "server closes the connection (no keep-alive)";
        return null;
    }
}

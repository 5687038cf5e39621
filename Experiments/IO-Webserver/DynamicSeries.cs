using System.Globalization;
using Experiments.Common;

namespace IOWebserver;

/// <summary>
/// The dynamic web part: a fresh TPC-W-like database file (fixed seed) per series, the answer check against it, and
/// wrk requesting product-detail pages of uniformly random items (a generated Lua script with a fixed seed per wrk thread).
/// </summary>
public static class DynamicSeries
{
    /// <param name="stack">"user" or "kernel" for a multikernel series, null for a baseline.</param>
    /// <param name="veth">True: on the series' own veth wire; false: loopback.</param>
    public static IReadOnlyList<ResultRow> Measure(string series, string? stack, bool veth, Func<SeriesWire, string, IWebServer> start, LoadPlacement load, IoSettings s, string what)
    {
        using var scratch = ScratchFolder.Create("io-webserver-db");
        string dir = scratch.Path;
        string db = Path.Combine(dir, "tpcw-items.sqlite");
        ItemDatabase.Create(db, ItemDatabase.DefaultItems);
        string lua = Path.Combine(dir, "items.lua");
        File.WriteAllText(lua, string.Create(CultureInfo.InvariantCulture, $"""
            -- Each wrk thread has its own Lua state: a seed per thread (2009 + its number), so that threads do not all
            -- request the same sequence of ids.
            local threads = 0
            function setup(thread)
              thread:set("id", threads)
              threads = threads + 1
            end
            function init(args)
              math.randomseed(2009 + (id or 0))
            end
            request = function()
              return wrk.format("GET", "{ItemRoute.Prefix}" .. math.random(1, {ItemDatabase.DefaultItems}))
            end
            """));
        return WebSeries.Measure(series, stack, veth, wire => start(wire, db), connect => WebCheck.Dynamic(connect, db, ItemDatabase.DefaultItems), null, lua, load, s,
            $"{what}; product-detail query (item JOIN author by id) over {ItemDatabase.DefaultItems} items, ids uniformly random", WebSeries.DynamicChecks);
    }
}

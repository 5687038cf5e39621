using System.Net;
using Multikernel.CpuDriver;
using Multikernel.Drivers;
using Multikernel.Hardware;
using Multikernel.Net.Cores;
using Multikernel.Net.Nic;
using Multikernel.Urpc;

namespace IOWebserver;

/// <summary>
/// The multikernel web server on the user-level stack: the NIC driver dispatcher on the first core (the AF_PACKET ring
/// on the server's veth end), the stack dispatcher on the second with the TCP stream bridge
/// (<see cref="TcpStreamBridge"/>) on top, the unchanged HTTP server dispatcher beside it on the same core (as
/// Barrelfish linked lwIP into the web server's domain) and, for dynamic pages, the database dispatcher on the third
/// core (or beside the HTTP server when fewer are given). Given one core, every dispatcher runs on it. Request bytes cross from the stack to the HTTP
/// server in the bridge's receive pool, responses back in the HTTP server's transmit pool, all as descriptors.
/// </summary>
public sealed class MkUserWebServer : IWebServer
{
    public const ushort HttpPort = 80;
    /// <summary>The stack's connection table (the HTTP server keeps as many slots).</summary>
    public const int MaxConnections = TcpNicDriver.MaxConnections;

    readonly UserStackCores _cores;
    readonly PacketPool _rxPool, _txPool;
    readonly TcpStreamBridge _bridge;
    readonly HttpServerDispatcher _http;
    readonly Dispatcher? _database;
    readonly int _databaseCoreIndex;

    public int Port => HttpPort;
    public IPAddress Address => _cores.Wire.ServerAddress;
    public IReadOnlyList<int> Cores => _cores.Cores;

    MkUserWebServer(UserStackCores cores, Func<UrpcEndpoint, PacketPool, Dispatcher>? database, TimeSpan? idleTimeout, TimeSpan? requestTimeout, TimeSpan? lingerTimeout, (long From, long To)? probe)
    {
        _cores = cores;
        var topo = MachineTopology.Current;
        _rxPool = new PacketPool(MkWebServer.RxBuffers, MkWebServer.RxBufferBytes, topo.NumaNodeOf(cores.Cores[cores.StackIndex]));
        _txPool = new PacketPool(MkWebServer.TxBuffers, MkWebServer.TxBufferBytes, topo.NumaNodeOf(cores.Cores[cores.StackIndex]));
        try
        {
            (_bridge, _http, _database, _databaseCoreIndex) = Build(cores, database, idleTimeout, requestTimeout, lingerTimeout, probe);
        }
        catch
        {
            // The caller disposes the cores; the pools are this constructor's own.
            _rxPool.Dispose();
            _txPool.Dispose();
            throw;
        }
    }

    (TcpStreamBridge, HttpServerDispatcher, Dispatcher?, int) Build(UserStackCores cores, Func<UrpcEndpoint, PacketPool, Dispatcher>? database,
        TimeSpan? idleTimeout, TimeSpan? requestTimeout, TimeSpan? lingerTimeout, (long From, long To)? probe)
    {
        var mk = cores.System;
        // Bindings from the monitors (freed by the system at shutdown): stack to HTTP server (same core), HTTP server to database.
        var stackHttp = mk.BindAsync(cores.StackIndex, cores.StackIndex, MkWebServer.RingSlots).GetAwaiter().GetResult();
        UrpcBinding? httpDb = null;
        Dispatcher? db = null;
        int dbCore = 0;
        if (database != null)
        {
            dbCore = cores.Cores.Count >= 3 ? 2 : cores.StackIndex;
            httpDb = mk.BindAsync(cores.StackIndex, dbCore, MkWebServer.RingSlots).GetAwaiter().GetResult();
            db = database(httpDb.Server, _txPool);
        }
        var bridge = new TcpStreamBridge(HttpPort, MaxConnections, _rxPool, _txPool, stackHttp.Client)
        {
            IdleTimeout = idleTimeout ?? TimeSpan.FromSeconds(60),
            RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30),
            LingerTimeout = lingerTimeout ?? TimeSpan.FromSeconds(2),
        };
        var http = new HttpServerDispatcher(stackHttp.Server, _rxPool, _txPool, httpDb?.Client) { Probe = probe is { } q ? new Multikernel.Drivers.AllocationProbe(q.From, q.To) : null };
        return (bridge, http, db, dbCore);
    }

    /// <param name="cores">Driver core, stack and HTTP core, and (for dynamic pages) the database core if given; one core hosts them all.</param>
    /// <param name="database">Builds the database dispatcher from its end of the HTTP binding and the HTTP server's transmit pool; null for static only.</param>
    /// <param name="probe">Optional window (driver and stack: received frames; HTTP server: requests) over which the cores count their allocations.</param>
    /// <param name="lingerTimeout">The longest a connection the server closed reads on to discard before its socket is closed (default 2 s).</param>
    public static MkUserWebServer Start(SeriesWire wire, int[] cores, Func<UrpcEndpoint, PacketPool, Dispatcher>? database = null, (long From, long To)? probe = null,
        TimeSpan? idleTimeout = null, TimeSpan? requestTimeout = null, PacketRingOptions? ring = null, TimeSpan? lingerTimeout = null)
    {
        if (cores.Length < 1) throw new ArgumentException("the multikernel web server needs at least one core", nameof(cores));
        var boot = database != null && cores.Length >= 3 ? cores[..3] : cores[..Math.Min(2, cores.Length)];
        var uc = UserStackCores.Boot(wire, boot, ring);
        MkUserWebServer? s = null;
        try
        {
            s = new MkUserWebServer(uc, database, idleTimeout, requestTimeout, lingerTimeout, probe);
            if (s._database != null) uc.System.SpawnAsync(0, s._databaseCoreIndex, () => s._database).Wait();
            uc.System.SpawnAsync(0, uc.StackIndex, () => s._http).Wait();
            uc.Start(s._bridge, MaxConnections, probe);
            return s;
        }
        catch
        {
            if (s != null) s.Dispose();
            else uc.Dispose();
            throw;
        }
    }

    /// <summary>The allocation probes of the driver's, the stack's and the HTTP server's core threads (null where not set).</summary>
    public (AllocationProbe? Driver, AllocationProbe? Stack, AllocationProbe? Http) ProbeAllocations => (_cores.ProbeAllocations.Driver, _cores.ProbeAllocations.Stack, _http.Probe);

    /// <summary>The bridge's account (read after <see cref="Stop"/>).</summary>
    public TcpStreamBridge Bridge => _bridge;
    public HttpServerDispatcher Http => _http;
    public UserStackCores StackCores => _cores;

    public string Stop()
    {
        _cores.Stop();
        var b = _bridge.Counters;
        return $"TCP bridge on the stack core accepted {b.Accepted} connections, closed {b.Closed} ({b.TimedOut} timed out, {_bridge.Resets} reset by the peer, {b.Lingering()}), " +
               $"{b.Traffic()}; " +
               $"HTTP server (beside the stack on core {Cores[_cores.StackIndex]}) parsed {_http.Requests} requests: {_http.StaticResponses} static, {_http.DynamicResponses} dynamic, {_http.Errors} errors, " +
               $"inboxes in use {_http.InboxesInUse} of {HttpServerDispatcher.Inboxes}" +
               (_database != null ? $"; database on core {Cores[_databaseCoreIndex]}{(_databaseCoreIndex == _cores.StackIndex ? $" (shared with the stack and HTTP server: {(Cores.Count == 1 ? "one server core" : $"{Cores.Count} server cores")})" : "")}" : "") +
               $"; {_cores.Account()}";
    }

    public void Dispose()
    {
        try { _cores.Dispose(); }
        finally
        {
            _rxPool.Dispose();
            _txPool.Dispose();
        }
    }
}

using System.Net;
using System.Net.Sockets;
using Multikernel;
using Multikernel.CpuDriver;
using Multikernel.Drivers;
using Multikernel.Hardware;
using Multikernel.Urpc;

namespace IOWebserver;

/// <summary>
/// The multikernel web server: the TCP NIC driver dispatcher on the first core (owns the listening socket and
/// every connection, polls them with epoll), the HTTP server dispatcher on the second, and, for dynamic pages, a
/// database dispatcher on the third core (or beside the HTTP server when only two cores are given). Each pair
/// talks by one URPC binding that the monitors make; request bytes sit in the driver's receive pool, responses in the
/// HTTP server's transmit pool.
/// </summary>
public sealed class MkWebServer : MkSocketServer, IWebServer
{
    public const int RxBuffers = 512, RxBufferBytes = 4096, TxBuffers = 512, TxBufferBytes = 8192, RingSlots = 4096;

    readonly Socket _listener;
    readonly PacketPool _rxPool, _txPool;
    readonly TcpNicDriver _driver;
    readonly HttpServerDispatcher _http;
    readonly Dispatcher? _database;
    readonly int _databaseCoreIndex;

    MkWebServer(int[] cores, Func<UrpcEndpoint, PacketPool, Dispatcher>? database, (long From, long To)? probe, TimeSpan? idleTimeout, TimeSpan? requestTimeout, TimeSpan? lingerTimeout)
    {
        if (cores.Length < 2) throw new ArgumentException($"the multikernel web server needs a driver core and an HTTP core; got {cores.Length} core(s)", nameof(cores));
        var bootCores = database != null && cores.Length >= 3 ? cores[..3] : cores[..2];
        Cores = bootCores;
        var topo = MachineTopology.Current;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(1024);
            Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
            _rxPool = new PacketPool(RxBuffers, RxBufferBytes, topo.NumaNodeOf(bootCores[0]));
            _txPool = new PacketPool(TxBuffers, TxBufferBytes, topo.NumaNodeOf(bootCores[1]));
            Mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = bootCores });
            // Bindings from the monitors (the system frees them at shutdown): driver to HTTP server, HTTP server to database.
            var driverHttp = Mk.BindAsync(0, 1, RingSlots).GetAwaiter().GetResult();
            UrpcBinding? httpDb = null;
            if (database != null)
            {
                _databaseCoreIndex = bootCores.Length >= 3 ? 2 : 1;
                httpDb = Mk.BindAsync(1, _databaseCoreIndex, RingSlots).GetAwaiter().GetResult();
                _database = database(httpDb.Server, _txPool);
            }
            _driver = new TcpNicDriver(_listener, _rxPool, _txPool, driverHttp.Client)
            {
                Probe = probe is { } p ? new AllocationProbe(p.From, p.To) : null,
                IdleTimeout = idleTimeout ?? TimeSpan.FromSeconds(60),
                RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30),
                LingerTimeout = lingerTimeout ?? TimeSpan.FromSeconds(2),
            };
            _http = new HttpServerDispatcher(driverHttp.Server, _rxPool, _txPool, httpDb?.Client) { Probe = probe is { } q ? new AllocationProbe(q.From, q.To) : null };
        }
        catch
        {
            // Whatever was made before the failure: the system, the pools (unmanaged memory) and the listening socket.
            Mk?.Dispose();
            _txPool?.Dispose();
            _rxPool?.Dispose();
            _listener.Dispose();
            throw;
        }
    }

    /// <param name="cores">Driver core, HTTP core, and (for dynamic pages) the database core if given.</param>
    /// <param name="database">Builds the database dispatcher from its end of the HTTP binding and the HTTP server's transmit pool (it renders pages into it); null for a static-only server.</param>
    /// <param name="probe">Optional window (driver: receive descriptors; HTTP server: requests) over which both cores count their allocations.</param>
    /// <param name="idleTimeout">Close a connection silent this long in both directions (default 60 s; at least 1 ms, as each of the three, else <see cref="ArgumentOutOfRangeException"/>).</param>
    /// <param name="requestTimeout">Close a connection whose received bytes have had no response this long (default 30 s).</param>
    /// <param name="lingerTimeout">The longest a connection the server closed reads on to discard before its socket is closed (default 2 s).</param>
    public static MkWebServer Start(int[] cores, Func<UrpcEndpoint, PacketPool, Dispatcher>? database = null, (long From, long To)? probe = null,
        TimeSpan? idleTimeout = null, TimeSpan? requestTimeout = null, TimeSpan? lingerTimeout = null)
    {
        var s = new MkWebServer(cores, database, probe, idleTimeout, requestTimeout, lingerTimeout);
        if (s._database != null) s.Spawn((s._databaseCoreIndex, s._database));
        s.Spawn((1, s._http), (0, s._driver));
        return s;
    }

    /// <summary>The allocation probes of the driver's and the HTTP server's core threads (null where not set).</summary>
    public (AllocationProbe? Driver, AllocationProbe? Http) ProbeAllocations => (_driver.Probe, _http.Probe);

    protected override string Account() =>
        $"driver accepted {_driver.Counters.Accepted} connections, closed {_driver.Counters.Closed} ({_driver.Counters.TimedOut} timed out, {_driver.Evicted} evicted when the table was full, {_driver.Counters.Lingering()}), refused {_driver.Refused}, " +
               $"{_driver.Counters.Traffic()}; " +
               $"HTTP server parsed {_http.Requests} requests: {_http.StaticResponses} static, {_http.DynamicResponses} dynamic, {_http.Errors} errors, " +
               $"inboxes in use {_http.InboxesInUse} of {HttpServerDispatcher.Inboxes}" +
               (_database != null ? $"; database on core {Cores[_databaseCoreIndex]}{(_databaseCoreIndex == 1 ? " (shared with the HTTP server: only 2 cores given)" : "")}" : "");

    protected override void FreeResources()
    {
        _rxPool.Dispose();
        _txPool.Dispose();
        _listener.Dispose();
    }
}

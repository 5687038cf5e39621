using System.Net;
using System.Net.Sockets;
using Multikernel;
using Multikernel.Drivers;
using Multikernel.Hardware;

namespace IOWebserver;

/// <summary>
/// The multikernel UDP echo server: a two-core multikernel, the NIC driver dispatcher on the first core (owns the
/// socket, polls it), the echo stack dispatcher on the second, one URPC binding between them (the driver's core binds
/// to the stack's through the monitors) and one shared packet pool owned by the driver.
/// </summary>
public sealed class MkUdpEchoServer : MkSocketServer, IUdpEchoServer
{
    /// <summary>Receive buffers in the driver's pool: bounds the datagrams in flight between driver and stack.</summary>
    public const int PoolBuffers = 256;
    /// <summary>URPC ring slots each way: more than the pool, so a descriptor always finds room (plus the ack lag).</summary>
    public const int RingSlots = 1024;

    readonly Socket _socket;
    readonly PacketPool _pool;
    readonly UdpNicDriver _driver;
    readonly UdpEchoStack _stack;

    MkUdpEchoServer(int driverCore, int stackCore, int maxDatagram, (long From, long To)? probe)
    {
        Cores = [driverCore, stackCore];
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
            // A datagram longer than maxDatagram is dropped by the driver and counted (UdpNicDriver.Oversized), never echoed in
            // part; the limit is the driver's MaxDatagram, not the buffer size, which the pool rounds up to whole cache lines.
            _pool = new PacketPool(PoolBuffers, maxDatagram, MachineTopology.Current.NumaNodeOf(driverCore));
            Mk = MultikernelSystem.Boot(new MultikernelOptions { Cores = [driverCore, stackCore] });
            var binding = Mk.BindAsync(0, 1, RingSlots).GetAwaiter().GetResult(); // the system frees it at shutdown
            _driver = new UdpNicDriver(_socket, _pool, binding.Client, maxDatagram) { Probe = probe is { } p ? new AllocationProbe(p.From, p.To) : null };
            _stack = new UdpEchoStack(binding.Server, _pool.BufferSize) { Probe = probe is { } q ? new AllocationProbe(q.From, q.To) : null };
        }
        catch
        {
            // Whatever was made before the failure: the system, the pool (unmanaged memory) and the socket.
            Mk?.Dispose();
            _pool?.Dispose();
            _socket.Dispose();
            throw;
        }
    }

    /// <param name="probe">Optional window of datagrams over which the driver's and the stack's cores count their allocations.</param>
    public static MkUdpEchoServer Start(int driverCore, int stackCore, int maxDatagram, (long From, long To)? probe = null)
    {
        var s = new MkUdpEchoServer(driverCore, stackCore, maxDatagram, probe);
        s.Spawn((1, s._stack), (0, s._driver));
        return s;
    }

    protected override string Account() =>
        $"driver received {_driver.Received}, transmitted {_driver.Transmitted}, tx dropped {_driver.TxDropped}, oversized (dropped, not echoed) {_driver.Oversized}; stack echoed {_stack.Echoed}";

    /// <summary>The allocation probes of the driver's and the stack's core threads (null where not set).</summary>
    public (AllocationProbe? Driver, AllocationProbe? Stack) ProbeAllocations => (_driver.Probe, _stack.Probe);

    /// <summary>True when the stack echoed every datagram the driver read, and the driver sent (or, at a full socket,
    /// dropped and counted) no more replies than that: nothing lost or made up between driver and stack. Replies still in
    /// the stack-to-driver ring when the server stopped count as neither sent nor lost; the load generator's own count of
    /// answers checks what went out.</summary>
    public bool Balanced => Stopped && _driver.Received == _stack.Echoed && _driver.Transmitted + _driver.TxDropped <= _driver.Received;

    protected override void FreeResources()
    {
        _pool.Dispose();
        _socket.Dispose();
    }
}

using System.Net;
using Multikernel.Net.Cores;
using Multikernel.Net.Nic;
using Multikernel.Drivers;

namespace IOWebserver;

/// <summary>
/// The multikernel UDP echo server on the user-level stack: the NIC driver dispatcher on the first core owns the
/// AF_PACKET ring on the server's veth end, the stack dispatcher on the second (on the first too when one core is
/// given) runs the Ethernet/ARP/IPv4/UDP stack and the echo service (<see cref="UdpEchoService"/>) at the server
/// address on <see cref="EchoPort"/>.
/// </summary>
public sealed class MkUserUdpEchoServer : IUdpEchoServer
{
    public const ushort EchoPort = 7;

    readonly UserStackCores _cores;
    readonly UdpEchoService _echo;

    public int Port => EchoPort;
    public IPAddress Address => _cores.Wire.ServerAddress;
    public IReadOnlyList<int> Cores => _cores.Cores;

    MkUserUdpEchoServer(UserStackCores cores, UdpEchoService echo)
    {
        _cores = cores;
        _echo = echo;
    }

    /// <param name="wire">A veth wire (the user-level stack needs the ring on its server end).</param>
    /// <param name="cores">The driver core, then the stack core; one core hosts both.</param>
    /// <param name="probe">Optional window of received frames over which the driver's and the stack's cores count their allocations.</param>
    public static MkUserUdpEchoServer Start(SeriesWire wire, int[] cores, int maxPayload, (long From, long To)? probe = null, PacketRingOptions? ring = null)
    {
        var stack = UserStackCores.Boot(wire, cores[..Math.Min(2, cores.Length)], ring);
        try
        {
            var echo = new UdpEchoService(EchoPort, maxPayload);
            stack.Start(echo, maxConnections: 16, probe);
            return new MkUserUdpEchoServer(stack, echo);
        }
        catch
        {
            stack.Dispose();
            throw;
        }
    }

    public (AllocationProbe? Driver, AllocationProbe? Stack) ProbeAllocations => _cores.ProbeAllocations;

    /// <summary>The stack's counters (read after <see cref="Stop"/>).</summary>
    public Multikernel.Net.Stack.NetStackCounters StackCounters => _cores.Stack.Stack.Counters;

    /// <summary>True (after <see cref="Stop"/>) when every datagram the echo service took was echoed and every frame the stack sent left through the driver's ring.</summary>
    public bool Balanced => _echo.Echoed == _echo.Received && _echo.TxDropped == 0 && _cores.Driver.FramesOut == _cores.Stack.Stack.Counters.FramesOut;

    public string Stop()
    {
        _cores.Stop();
        return $"echo service received {_echo.Received}, echoed {_echo.Echoed}, transmit drops {_echo.TxDropped}, oversized (dropped, not echoed) {_echo.Oversized}, from a port below 1024 (not answered) {_echo.NotAnswered}; {_cores.Account()}";
    }

    public void Dispose() => _cores.Dispose();
}

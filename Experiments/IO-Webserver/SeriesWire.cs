using System.Net;
using Experiments.Common;
using Multikernel.Net;
using Multikernel.Net.Wire;

namespace IOWebserver;

/// <summary>
/// The network one series runs on. Loopback: server and clients in this process's own namespace on 127.0.0.1 (the
/// socket-driver multikernel, and the host baselines where no wire can be built). Veth: the experiment's own wire
/// (<see cref="VethWire"/>, link-local 169.254.<see cref="Subnet"/>.0/24 only), made for the series and removed after
/// it: the server side in the server namespace (the user-level stack on the AF_PACKET ring, or a host baseline bound
/// to the server address lent to the kernel), load generators and checks in the far namespace, so both kinds of server
/// pay for the same virtual link.
/// </summary>
public sealed class SeriesWire : IDisposable
{
    public const byte Subnet = 77;

    public VethWire? Veth { get; }

    /// <summary>Where the veth wire's kernel receive work runs once <see cref="SteerReceive"/> has been called.</summary>
    public ReceiveSteering Steering { get; }

    SeriesWire(VethWire? veth, ReceiveSteering steering)
    {
        Veth = veth;
        Steering = steering;
    }

    public static SeriesWire Loopback() => new(null, ReceiveSteering.Sender);

    /// <summary>Builds the wire; throws <see cref="WireException"/> (with the fix) when this process cannot.</summary>
    public static SeriesWire CreateVeth(ReceiveSteering steering = ReceiveSteering.Sender) => new(VethWire.Create(Subnet), steering);

    /// <summary>
    /// Applies <see cref="Steering"/> (veth only; call it once the server runs, before any load): with
    /// <see cref="ReceiveSteering.Sides"/> the server end's receive work goes to the first of
    /// <paramref name="serverCores"/>, the far end's to <paramref name="loadCores"/>.
    /// </summary>
    public void SteerReceive(IReadOnlyList<int> serverCores, IReadOnlyList<int> loadCores)
    {
        if (Veth == null || Steering == ReceiveSteering.Sender) return;
        Veth.SteerReceive([serverCores[0]], loadCores);
    }

    /// <summary>Null when a veth wire can be built here, else why not and how to fix it.</summary>
    public static string? VethMissing => WirePrerequisites.Missing;

    /// <summary>The wire's Param keys (<see cref="ParamFor"/>).</summary>
    public string Param => ParamFor(Veth != null, Steering);

    /// <summary>A wire's Param keys: <c>wire=veth;rx=sender|sides</c> (as --rx-steering spells it) or <c>wire=loopback</c>.</summary>
    public static string ParamFor(bool veth, ReceiveSteering steering) =>
        veth ? $"wire=veth;rx={(steering == ReceiveSteering.Sender ? "sender" : "sides")}" : "wire=loopback";

    /// <summary>Where clients reach the server.</summary>
    public IPAddress ServerAddress => Veth == null ? IPAddress.Loopback : ToIp(Veth.ServerAddress);

    /// <summary>The namespace clients run in (null: this process's own).</summary>
    public string? ClientNamespace => Veth?.FarNamespace;

    /// <summary>The namespace a host baseline's server runs in (null: this process's own).</summary>
    public string? ServerNamespace => Veth?.ServerNamespace;

    /// <summary>Runs <paramref name="body"/> where clients live (sockets made there keep working from any thread).</summary>
    public T InClientNamespace<T>(Func<T> body) => Veth == null ? body() : Veth.RunInFarNamespace(body);

    /// <summary>Runs <paramref name="body"/> where the server lives.</summary>
    public T InServerNamespace<T>(Func<T> body) => Veth == null ? body() : Veth.RunInServerNamespace(body);

    /// <summary>A plain HTTP client connection to the server, from the client side.</summary>
    public HttpClientConnection Connect(int port, TimeSpan? timeout = null) => InClientNamespace(() => new HttpClientConnection(ServerAddress, port, timeout));

    /// <summary>A port for a host server: a fixed one in the fresh server namespace, else one free on 127.0.0.1 now.</summary>
    public int PickServerPort() => Veth == null ? FreePort.Pick() : HostServerPort;

    /// <summary>The TCP/UDP port host servers use in the server namespace (nothing else listens there).</summary>
    public const int HostServerPort = 8080;

    /// <summary>One TCP connection attempt to the server from the client side (throws <see cref="System.Net.Sockets.SocketException"/> when refused).</summary>
    public void ConnectOnce(int port) => InClientNamespace(() =>
    {
        using var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        s.Connect(new IPEndPoint(ServerAddress, port));
        return 0;
    });

    /// <summary>Lends the server address to the server namespace's kernel (veth only), for a host baseline.</summary>
    public void LendServerAddressToKernel() => Veth?.AssignServerAddressToKernel();

    public string Describe() => Veth == null
        ? "loopback (127.0.0.1) inside this machine's own network namespace"
        : $"{Veth} (link-local addresses only, namespaces made for this series and removed after it); clients in the far namespace; " +
          (Veth.ReceiveCores is var (server, far)
              ? $"kernel receive work steered (RPS): the server end's on core(s) {CoreList.Format(server)}, the far end's on core(s) {CoreList.Format(far)}"
              : "kernel receive work on the sending core (the veth's default: the server end's on the load cores, the far end's on the server's)");

    public static IPAddress ToIp(Ipv4Address a) => new([(byte)(a.Value >> 24), (byte)(a.Value >> 16), (byte)(a.Value >> 8), (byte)a.Value]);

    public void Dispose() => Veth?.Dispose();
}

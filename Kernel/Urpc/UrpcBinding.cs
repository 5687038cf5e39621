namespace Multikernel.Urpc;

/// <summary>
/// A bidirectional URPC connection between two cores, as the monitors make it (Barrelfish's bind/accept): two one-way
/// rings, each placed on its receiver's NUMA node. <see cref="Client"/> is the side that asked for the binding and
/// <see cref="Server"/> the side it bound to; each holds one sender and one receiver, and neither can use the other's.
/// <para>Made only inside the kernel: by the monitors when they serve a bind (<see cref="MultikernelSystem.BindAsync"/>,
/// <see cref="MultikernelSystem.BindHostAsync"/>) and by boot for the monitors' own bindings. The monitor that
/// allocated a binding frees it when the system shuts down, after every core has stopped; a holder that is done with
/// it earlier (a domain that has left its cores) may free it first with <see cref="Dispose"/>.</para>
/// </summary>
public sealed class UrpcBinding : IDisposable
{
    readonly UrpcRing _toServer, _toClient;

    public UrpcEndpoint Client { get; }
    public UrpcEndpoint Server { get; }
    public int Slots => _toServer.Slots;
    /// <summary>The ring the client sends on (placed on the server's NUMA node).</summary>
    internal UrpcRing ToServer => _toServer;
    /// <summary>The ring the server sends on (placed on the client's NUMA node).</summary>
    internal UrpcRing ToClient => _toClient;
    /// <summary>Where the ring into the server (asked for the server's node) and the ring into the client (the client's node) are now.</summary>
    public (RingPlacement IntoServer, RingPlacement IntoClient) Placement() => (_toServer.Placement(), _toClient.Placement());
    /// <summary>True once both rings have been freed.</summary>
    public bool IsFreed => _toServer.IsFreed && _toClient.IsFreed;
    /// <summary>
    /// Process mode: the binding's name across processes (its rings' offsets in the shared region), which a request or
    /// a spawn passes to the core processes that open its two ends. Null in thread mode, where the rings are host memory
    /// of one process.
    /// </summary>
    public UrpcBindingName? Name { get; }

    UrpcBinding(UrpcRing toServer, UrpcRing toClient, UrpcBindingName? name = null)
    {
        _toServer = toServer;
        _toClient = toClient;
        Name = name;
        Client = new UrpcEndpoint(toServer.Sender, toClient.Receiver);
        Server = new UrpcEndpoint(toClient.Sender, toServer.Receiver);
    }

    /// <summary>Allocates both rings: the one into the server on <paramref name="serverNode"/>, the one into the client on <paramref name="clientNode"/> (-1: first touch).</summary>
    internal static UrpcBinding Allocate(int slots, int clientNode, int serverNode)
    {
        var toServer = UrpcRing.Allocate(slots, serverNode);
        try { return new UrpcBinding(toServer, UrpcRing.Allocate(slots, clientNode)); }
        catch { toServer.Dispose(); throw; }
    }

    /// <summary>This process's view of a binding in the shared region (process mode), named by <paramref name="name"/>.</summary>
    internal static UrpcBinding Over(UrpcRing toServer, UrpcRing toClient, UrpcBindingName name) => new(toServer, toClient, name);

    /// <summary>Frees both rings. Only once no core uses either end any more; a second call does nothing.</summary>
    public void Dispose()
    {
        _toServer.Dispose();
        _toClient.Dispose();
    }
}

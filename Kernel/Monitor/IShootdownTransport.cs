using Multikernel.Urpc;

namespace Multikernel.Monitor;

/// <summary>
/// How a core's <see cref="ShootdownProtocol"/> reaches the others: the monitors' URPC bindings (FIFO per pair of
/// cores) and its own broadcast buffer (FIFO, read by every other core). <see cref="ShootdownService"/> implements it
/// over real channels; tests implement it with queues to explore message orders deterministically.
/// </summary>
public interface IShootdownTransport
{
    /// <summary>Sends to core index <paramref name="to"/> over the binding with it (queued, never dropped, if the ring is full).</summary>
    void Send(int to, in UrpcMessage message);

    /// <summary>Writes one message into this core's broadcast buffer, read by every other core (queued, never dropped, if full).</summary>
    void Broadcast(in UrpcMessage message);
}

namespace Multikernel.Monitor;

/// <summary>
/// How a core's <see cref="TlbShootdown"/> reaches the others: the monitors' URPC bindings (FIFO per pair of cores)
/// and its own broadcast buffer (FIFO, read by every other core). The service on the monitors implements it over real
/// channels; tests implement it with queues to explore message orders deterministically.
/// </summary>
public interface ITlbShootdownTransport
{
    /// <summary>Sends to core index <paramref name="to"/> over the binding with it (queued, never dropped, if the ring is full).</summary>
    void Send(int to, byte type, ulong w0, ulong w1, ulong w2, ulong w3, ulong w4, ulong w5, ulong w6);

    /// <summary>Writes one message into this core's broadcast buffer, read by every other core (queued, never dropped, if full).</summary>
    void Broadcast(byte type, ulong w0, ulong w1, ulong w2, ulong w3, ulong w4, ulong w5, ulong w6);
}

using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// How a core's agreement state machines reach the others: the monitors' URPC bindings and this core's broadcast
/// buffer over real channels, or queues in a simulation. The protocol does not rely on FIFO order or on delivery:
/// a lost request or vote makes the coordinator abort, a lost decision or ack is retransmitted.
/// </summary>
public interface IAgreementTransport
{
    /// <summary>Sends to core index <paramref name="to"/> (never this core).</summary>
    void Send(int to, in UrpcMessage message);

    /// <summary>Writes one message into this core's broadcast buffer, read by every other core.</summary>
    void Broadcast(in UrpcMessage message);
}

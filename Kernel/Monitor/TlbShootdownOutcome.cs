namespace Multikernel.Monitor;

/// <summary>A finished shootdown as its initiator saw it: cycle-clock stamps at the start and when the last ack arrived.</summary>
public readonly record struct TlbShootdownOutcome(ulong Tag, RoutingProtocol Protocol, ulong StartedAt, ulong CompletedAt, int CoresAcknowledged)
{
    public ulong Cycles => CompletedAt - StartedAt;
}

/// <summary>
/// Told on the initiator's core when a shootdown has completed. An interface rather than a delegate so that a caller
/// issuing many shootdowns passes the same object each time and the hot path allocates nothing.
/// </summary>
public interface ITlbShootdownCompletion
{
    void ShootdownCompleted(in TlbShootdownOutcome outcome);
}

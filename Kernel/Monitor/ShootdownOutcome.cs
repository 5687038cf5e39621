namespace Multikernel.Monitor;

/// <summary>A finished shootdown as its initiator saw it: cycle-clock stamps at the start and when the last ack arrived.</summary>
public readonly record struct ShootdownOutcome(ulong Tag, RoutingProtocol Protocol, ulong StartedAt, ulong CompletedAt, int CoresAcknowledged)
{
    public ulong Cycles => CompletedAt - StartedAt;
}

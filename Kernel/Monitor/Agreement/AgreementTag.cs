namespace Multikernel.Monitor.Agreement;

/// <summary>
/// Names one agreement system-wide: the coordinator's core index and that coordinator's sequence number (from 1,
/// never reused). Every piece of protocol state on every core is keyed by it.
/// </summary>
public readonly record struct AgreementTag(int Coordinator, ulong Sequence)
{
    public const int MaxCoordinator = 255;
    public const ulong MaxSequence = (1UL << 40) - 1;

    public override string ToString() => $"#{Coordinator}.{Sequence}";
}

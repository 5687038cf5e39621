using Multikernel.Monitor;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// Word 0 of every agreement message: the tag (coordinator bits 63..56, sequence 55..16), the attempt (15..8:
/// a coordinator that retransmits a decision or an apply numbers each round, and acks count only for the current
/// one) and the routing protocol (7..0) that aggregators need to rebuild the route.
/// </summary>
public readonly record struct AgreementHeader(AgreementTag Tag, byte Attempt, RoutingProtocol Protocol)
{
    public ulong Pack() => (ulong)(byte)Tag.Coordinator << 56 | (Tag.Sequence & AgreementTag.MaxSequence) << 16 | (ulong)Attempt << 8 | (byte)Protocol;

    public static AgreementHeader Unpack(ulong w) =>
        new(new AgreementTag((int)(w >> 56), (w >> 16) & AgreementTag.MaxSequence), (byte)(w >> 8), (RoutingProtocol)(byte)w);
}

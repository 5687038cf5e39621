namespace Multikernel.Monitor;

/// <summary>
/// Message types and payload layout of the TLB shootdown service (monitor extension types).
/// <para>Request words: w0 tag (initiator core index in bits 63..48, the initiator's sequence number below),
/// w1 address-space id, w2 first virtual address, w3 page count (bits 31..0) and protocol (bits 39..32),
/// w4..w6 the participant <see cref="CoreSet"/>. Ack words: w0 tag, w1 number of cores the ack covers.</para>
/// </summary>
public static class TlbShootdownMessage
{
    /// <summary>Invalidate the range on the receiving core and ack to the sender (a unicast hop, or a member reached by an aggregator).</summary>
    public const byte Invalidate = 48;
    /// <summary>Invalidate on the receiving core, forward to its group (from the route), then send one ack for the group to the initiator.</summary>
    public const byte Forward = 49;
    /// <summary>Acknowledgement: the covered cores have invalidated.</summary>
    public const byte Ack = 50;
    /// <summary>The request as written into the initiator's broadcast buffer; participants ack to the initiator by unicast.</summary>
    public const byte Broadcast = 51;

    const int InitiatorShift = 48;
    const ulong SequenceMask = (1UL << InitiatorShift) - 1;

    public static ulong Tag(int initiator, ulong sequence) => (ulong)initiator << InitiatorShift | (sequence & SequenceMask);
    public static int InitiatorOf(ulong tag) => (int)(tag >> InitiatorShift);

    public static ulong PagesAndProtocol(int pages, RoutingProtocol protocol) => (uint)pages | (ulong)(byte)protocol << 32;
    public static int PagesOf(ulong w3) => (int)(uint)w3;
    public static RoutingProtocol ProtocolOf(ulong w3) => (RoutingProtocol)(byte)(w3 >> 32);
}

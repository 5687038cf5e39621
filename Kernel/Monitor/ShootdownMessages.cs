using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Memory;
using Multikernel.Urpc;

namespace Multikernel.Monitor;

/// <summary>
/// The TLB shootdown protocol's messages (monitor extension types, see <see cref="ShootdownProtocol"/>). Every request
/// carries its tag: the initiator's core index in bits 63..48, the initiator's sequence number below.
/// </summary>
public static class ShootdownMessages
{
    const int InitiatorShift = 48;
    const ulong SequenceMask = (1UL << InitiatorShift) - 1;

    public static ulong Tag(int initiator, ulong sequence) => (ulong)initiator << InitiatorShift | (sequence & SequenceMask);
    public static int InitiatorOf(ulong tag) => (int)(tag >> InitiatorShift);

    /// <summary>How a request reaches a core; the kind is the message type.</summary>
    public enum RequestKind : byte
    {
        /// <summary>Invalidate the range on the receiving core and ack to the sender (a unicast hop, or a member reached by an aggregator).</summary>
        Invalidate = 48,
        /// <summary>Invalidate on the receiving core, forward to its group (from the route), then send one ack for the group to the initiator.</summary>
        Forward = 49,
        /// <summary>The request as written into the initiator's broadcast buffer; participants ack to the initiator by unicast.</summary>
        Broadcast = 51,
    }

    /// <summary>
    /// Apply <see cref="Op"/> to <see cref="Pages"/> pages from <see cref="Va"/> in address space <see cref="SpaceId"/>
    /// on the cores of <see cref="Participants"/> (with a software TLB: invalidate them), routed by
    /// <see cref="Protocol"/> (an aggregator rebuilds the route from it). Words: tag, space, va, pages (bits 31..0)
    /// with the protocol (bits 39..32) and the op (bits 47..40), then the three words of the core set.
    /// </summary>
    public readonly record struct Request(RequestKind Kind, ulong Tag, ulong SpaceId, ulong Va, int Pages, RoutingProtocol Protocol, CoreSet Participants,
        MmuOp Op = MmuOp.Invalidate) : IUrpcMessage<Request>
    {
        public byte Type => (byte)Kind;

        /// <summary>The change every participant applies to its own translation state.</summary>
        public MmuChange Change => new(SpaceId, Va, Pages, Op);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w)
        {
            w[0] = Tag; w[1] = SpaceId; w[2] = Va; w[3] = (uint)Pages | (ulong)(byte)Protocol << 32 | (ulong)(byte)Op << 40;
            w[4] = Participants.Word0; w[5] = Participants.Word1; w[6] = Participants.Word2;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Request Decode(in UrpcMessage m)
        {
            Debug.Assert(IsRequest(m.Type), $"type {m.Type} is not a shootdown request");
            return new((RequestKind)m.Type, m[0], m[1], m[2], (int)(uint)m[3], (RoutingProtocol)(byte)(m[3] >> 32), new CoreSet(m[4], m[5], m[6]), (MmuOp)(byte)(m[3] >> 40));
        }

        public static bool IsRequest(byte type) => type is (byte)RequestKind.Invalidate or (byte)RequestKind.Forward or (byte)RequestKind.Broadcast;
    }

    /// <summary>Acknowledgement of request <see cref="Tag"/>: <see cref="Cores"/> cores have invalidated.</summary>
    public readonly record struct Ack(ulong Tag, int Cores) : IUrpcMessage<Ack>
    {
        public const byte TypeId = 50;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Tag; w[1] = (ulong)Cores; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Ack Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (int)m[1]); }
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// The agreement protocol's messages (monitor extension types 64..69; see <see cref="CommitCoordinator"/> and
/// <see cref="CommitParticipant"/>). Word 0 of every message is its <see cref="AgreementHeader"/>; requests and
/// decisions carry the participant set in words 1..3, so that a multicast aggregator can rebuild the route.
/// </summary>
public static class AgreementMessages
{
    /// <summary>1PC: apply the update and acknowledge.</summary>
    public const byte Apply = 64;
    /// <summary>2PC phase 1: lock and validate the update, then vote.</summary>
    public const byte Prepare = 65;
    /// <summary>2PC phase 2: apply the prepared update and acknowledge.</summary>
    public const byte Commit = 66;
    /// <summary>2PC phase 2: drop the prepared update (or remember the abort if the prepare has not arrived) and acknowledge.</summary>
    public const byte Abort = 67;
    /// <summary>A participant's (or a multicast group's) vote on a prepare.</summary>
    public const byte Vote = 68;
    /// <summary>Acknowledgement of an apply, commit or abort, for the cores it covers.</summary>
    public const byte Ack = 69;

    /// <summary>
    /// The refusal of a multicast group's vote whose aggregator learned that a member's CPU driver faulted before it
    /// voted (the reply's <see cref="Reply.Faulted"/> names it): the coordinator aborts with
    /// <see cref="AgreementAbortReason.ParticipantFaulted"/>. No resource returns it.
    /// </summary>
    public const byte RefusalFaulted = 255;

    public static bool IsAgreement(byte type) => type is >= Apply and <= Ack;

    /// <summary>Words 1..3 of every request and decision: the participant set.</summary>
    public static CoreSet ParticipantsOf(in UrpcMessage m) => new(m[1], m[2], m[3]);

    /// <summary>
    /// An <see cref="AgreementMessages.Apply"/> (1PC) or <see cref="AgreementMessages.Prepare"/> (2PC phase 1)
    /// message: w0 header, w1..w3 the participant set, w4..w6 the update. In a request the header's round byte
    /// carries <see cref="WatermarkLag"/> instead: how far below this sequence the coordinator's low watermark lies
    /// (<see cref="LagUnknown"/>: 255 or more), so that participants of 1PC-only traffic can forget finished
    /// agreements too.
    /// </summary>
    public readonly record struct Request(byte Kind, AgreementHeader Header, CoreSet Participants, AgreementUpdate Update) : IUrpcMessage<Request>
    {
        public const byte LagUnknown = 255;

        public byte Type => Kind;

        /// <summary>Sequence minus the coordinator's low watermark when sent (<see cref="LagUnknown"/>: too far to say).</summary>
        public byte WatermarkLag => Header.Attempt;

        /// <summary>The header of a request: the round byte holds the watermark lag.</summary>
        public static AgreementHeader HeaderFor(AgreementTag tag, RoutingProtocol protocol, ulong lowWatermark) =>
            new(tag, (byte)Math.Min(LagUnknown, tag.Sequence - Math.Min(lowWatermark, tag.Sequence)), protocol);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w)
        {
            w[0] = Header.Pack();
            w[1] = Participants.Word0; w[2] = Participants.Word1; w[3] = Participants.Word2;
            w[4] = Update.Word0; w[5] = Update.Key; w[6] = Update.Value;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Request Decode(in UrpcMessage m)
        {
            Debug.Assert(m.Type is Apply or Prepare, $"type {m.Type} is not an agreement request");
            return new(m.Type, AgreementHeader.Unpack(m[0]), new CoreSet(m[1], m[2], m[3]), AgreementUpdate.FromWords(m[4], m[5], m[6]));
        }
    }

    /// <summary>
    /// A <see cref="AgreementMessages.Commit"/> or <see cref="AgreementMessages.Abort"/> message: w0 header, w1..w3
    /// the participant set, w4 the coordinator's low watermark (every agreement it started with a lower sequence has
    /// finished everywhere, so participants may forget them and ignore their late messages).
    /// </summary>
    public readonly record struct Decision(bool Commits, AgreementHeader Header, CoreSet Participants, ulong LowWatermark) : IUrpcMessage<Decision>
    {
        public byte Type => Commits ? Commit : Abort;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w)
        {
            w[0] = Header.Pack();
            w[1] = Participants.Word0; w[2] = Participants.Word1; w[3] = Participants.Word2;
            w[4] = LowWatermark;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Decision Decode(in UrpcMessage m)
        {
            Debug.Assert(m.Type is Commit or Abort, $"type {m.Type} is not an agreement decision");
            return new(m.Type == Commit, AgreementHeader.Unpack(m[0]), new CoreSet(m[1], m[2], m[3]), m[4]);
        }
    }

    /// <summary>
    /// A <see cref="AgreementMessages.Vote"/> or <see cref="AgreementMessages.Ack"/> message, sent to whoever sent the
    /// request (the coordinator, or the multicast aggregator that forwarded it): w0 header (the attempt it answers),
    /// w1 the vote (0: yes; otherwise the refusal code of the first no), w2 how many cores it speaks for, and in its
    /// upper half, for a <see cref="RefusalFaulted"/> vote, 1 + the faulted member (<see cref="Faulted"/>).
    /// </summary>
    public readonly record struct Reply(byte Kind, AgreementHeader Header, byte Refusal, int Cores, int Faulted = -1) : IUrpcMessage<Reply>
    {
        public byte Type => Kind;
        public bool Yes => Refusal == 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w)
        {
            w[0] = Header.Pack(); w[1] = Refusal; w[2] = (uint)Cores | (ulong)(uint)(Faulted + 1) << 32;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Reply Decode(in UrpcMessage m)
        {
            Debug.Assert(m.Type is Vote or Ack, $"type {m.Type} is not an agreement reply");
            return new(m.Type, AgreementHeader.Unpack(m[0]), (byte)m[1], (int)(uint)m[2], (int)(m[2] >> 32) - 1);
        }
    }
}

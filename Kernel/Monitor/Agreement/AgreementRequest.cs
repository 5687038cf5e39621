using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// An <see cref="AgreementMessageType.Apply"/> (1PC) or <see cref="AgreementMessageType.Prepare"/> (2PC phase 1)
/// message: w0 header, w1..w3 the participant set (aggregators rebuild the route from it), w4..w6 the update. In a
/// request the header's round byte carries <see cref="WatermarkLag"/> instead: how far below this sequence the
/// coordinator's low watermark lies (255: 255 or more, unknown), so that participants of 1PC-only traffic can forget
/// finished agreements too.
/// </summary>
public readonly record struct AgreementRequest(byte Type, AgreementHeader Header, CoreSet Participants, AgreementUpdate Update)
{
    public const byte LagUnknown = 255;

    /// <summary>Sequence minus the coordinator's low watermark when sent (<see cref="LagUnknown"/>: too far to say).</summary>
    public byte WatermarkLag => Header.Attempt;

    /// <summary>The header of a request: the round byte holds the watermark lag.</summary>
    public static AgreementHeader RequestHeader(AgreementTag tag, RoutingProtocol protocol, ulong lowWatermark) =>
        new(tag, (byte)Math.Min(LagUnknown, tag.Sequence - Math.Min(lowWatermark, tag.Sequence)), protocol);

    public UrpcMessage Encode()
    {
        var m = new UrpcMessage { Type = Type };
        m.Payload[0] = Header.Pack();
        WriteParticipants(ref m.Payload, Participants);
        m.Payload[4] = Update.Word0;
        m.Payload[5] = Update.Key;
        m.Payload[6] = Update.Value;
        return m;
    }

    public static AgreementRequest Decode(in UrpcMessage m)
    {
        if (m.Type is not (AgreementMessageType.Apply or AgreementMessageType.Prepare))
            throw new ArgumentException($"message type {m.Type} is not an agreement apply or prepare", nameof(m));
        return new AgreementRequest(m.Type, AgreementHeader.Unpack(m[0]), ParticipantsOf(in m), AgreementUpdate.FromWords(m[4], m[5], m[6]));
    }

    /// <summary>Words 1..3 of every request and decision: the participant set.</summary>
    internal static void WriteParticipants(ref UrpcPayload p, CoreSet participants)
    {
        p[1] = participants.Word0;
        p[2] = participants.Word1;
        p[3] = participants.Word2;
    }

    internal static CoreSet ParticipantsOf(in UrpcMessage m) => new(m[1], m[2], m[3]);
}

using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// A <see cref="AgreementMessageType.Commit"/> or <see cref="AgreementMessageType.Abort"/> message: w0 header,
/// w1..w3 the participant set, w4 the coordinator's low watermark (every agreement it started with a lower
/// sequence has finished everywhere, so participants may forget them and ignore their late messages).
/// </summary>
public readonly record struct AgreementDecision(bool Commit, AgreementHeader Header, CoreSet Participants, ulong LowWatermark)
{
    public byte Type => Commit ? AgreementMessageType.Commit : AgreementMessageType.Abort;

    public UrpcMessage Encode()
    {
        var m = new UrpcMessage { Type = Type };
        m.Payload[0] = Header.Pack();
        AgreementRequest.WriteParticipants(ref m.Payload, Participants);
        m.Payload[4] = LowWatermark;
        return m;
    }

    public static AgreementDecision Decode(in UrpcMessage m)
    {
        if (m.Type is not (AgreementMessageType.Commit or AgreementMessageType.Abort))
            throw new ArgumentException($"message type {m.Type} is not an agreement commit or abort", nameof(m));
        return new AgreementDecision(m.Type == AgreementMessageType.Commit, AgreementHeader.Unpack(m[0]), AgreementRequest.ParticipantsOf(in m), m[4]);
    }
}

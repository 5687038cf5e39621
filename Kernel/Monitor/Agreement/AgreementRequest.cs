using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// An <see cref="AgreementMessageType.Apply"/> (1PC) or <see cref="AgreementMessageType.Prepare"/> (2PC phase 1)
/// message: w0 header, w1..w3 the participant set (aggregators rebuild the route from it), w4..w6 the update.
/// </summary>
public readonly record struct AgreementRequest(byte Type, AgreementHeader Header, CoreSet Participants, AgreementUpdate Update)
{
    public UrpcMessage Encode()
    {
        var m = new UrpcMessage { Type = Type };
        m.Payload[0] = Header.Pack();
        m.Payload[1] = Participants.Word0;
        m.Payload[2] = Participants.Word1;
        m.Payload[3] = Participants.Word2;
        m.Payload[4] = Update.Word0;
        m.Payload[5] = Update.Key;
        m.Payload[6] = Update.Value;
        return m;
    }

    public static AgreementRequest Decode(in UrpcMessage m)
    {
        if (m.Type is not (AgreementMessageType.Apply or AgreementMessageType.Prepare))
            throw new ArgumentException($"message type {m.Type} is not an agreement apply or prepare", nameof(m));
        return new AgreementRequest(m.Type, AgreementHeader.Unpack(m[0]), new CoreSet(m[1], m[2], m[3]),
            AgreementUpdate.FromWords(m[4], m[5], m[6]));
    }
}

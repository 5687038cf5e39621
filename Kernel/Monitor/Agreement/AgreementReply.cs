using Multikernel.Urpc;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// A <see cref="AgreementMessageType.Vote"/> or <see cref="AgreementMessageType.Ack"/> message, sent to whoever
/// sent the request (the coordinator, or the multicast aggregator that forwarded it): w0 header (the attempt it
/// answers), w1 the vote (0: yes; otherwise the refusal code of the first no), w2 how many cores it speaks for.
/// </summary>
public readonly record struct AgreementReply(byte Type, AgreementHeader Header, byte Refusal, int Cores)
{
    public bool Yes => Refusal == 0;

    public UrpcMessage Encode()
    {
        var m = new UrpcMessage { Type = Type };
        m.Payload[0] = Header.Pack();
        m.Payload[1] = Refusal;
        m.Payload[2] = (ulong)Cores;
        return m;
    }

    public static AgreementReply Decode(in UrpcMessage m)
    {
        if (m.Type is not (AgreementMessageType.Vote or AgreementMessageType.Ack))
            throw new ArgumentException($"message type {m.Type} is not an agreement vote or ack", nameof(m));
        return new AgreementReply(m.Type, AgreementHeader.Unpack(m[0]), (byte)m[1], (int)m[2]);
    }
}

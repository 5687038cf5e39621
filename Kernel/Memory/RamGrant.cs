using Multikernel.Capabilities;
using Multikernel.Urpc;

namespace Multikernel.Memory;

/// <summary>
/// Memory-server protocol: the answer to a <see cref="RamRequest"/>, either <see cref="CapError.Ok"/> and the RAM
/// capability (the monitors have agreed to make the requesting core a holder; it imports the capability), or the
/// reason there is none (e.g. <see cref="CapError.OutOfRam"/>). Layout: w0 tag, w1 error, w2..w4 the
/// <see cref="SerializedCap"/>.
/// </summary>
public readonly record struct RamGrant(ulong Tag, CapError Error, SerializedCap Ram)
{
    public const byte Type = 77;

    public UrpcMessage Encode()
    {
        var m = new UrpcMessage { Type = Type };
        m.Payload[0] = Tag;
        m.Payload[1] = (byte)Error;
        Ram.Encode(ref m.Payload, 2);
        return m;
    }

    public static RamGrant Decode(in UrpcMessage m)
    {
        if (m.Type != Type) throw new ArgumentException($"message type {m.Type} is not a RAM grant ({Type})", nameof(m));
        return new RamGrant(m[0], (CapError)(byte)m[1], SerializedCap.Decode(in m.Payload, 2));
    }
}

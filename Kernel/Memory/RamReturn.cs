using Multikernel.Capabilities;
using Multikernel.Urpc;

namespace Multikernel.Memory;

/// <summary>
/// Memory-server protocol (Barrelfish's <c>free</c>): a core's RAM cache gives a RAM capability back (it has deleted
/// every descendant and its own copy; the server revokes its copy's descendants, if any, and reuses the range).
/// Layout: w0 tag, w1..w3 the <see cref="SerializedCap"/>.
/// </summary>
public readonly record struct RamReturn(ulong Tag, SerializedCap Ram)
{
    public const byte Type = 78;

    public UrpcMessage Encode()
    {
        var m = new UrpcMessage { Type = Type };
        m.Payload[0] = Tag;
        Ram.Encode(ref m.Payload, 1);
        return m;
    }

    public static RamReturn Decode(in UrpcMessage m)
    {
        if (m.Type != Type) throw new ArgumentException($"message type {m.Type} is not a RAM return ({Type})", nameof(m));
        return new RamReturn(m[0], SerializedCap.Decode(in m.Payload, 1));
    }
}

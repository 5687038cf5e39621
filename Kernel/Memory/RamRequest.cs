using Multikernel.Urpc;

namespace Multikernel.Memory;

/// <summary>
/// Memory-server protocol (Barrelfish's <c>mem_serv</c> <c>allocate</c>): a core's RAM cache asks the memory
/// server on the boot core for a RAM capability of 2^<see cref="SizeBits"/> bytes inside
/// [<see cref="MinBase"/>, <see cref="MaxLimit"/>) (0, 0: anywhere). Answered by a <see cref="RamGrant"/> with the
/// same tag. Layout: w0 tag, w1 size bits (7..0) | requesting core (23..8), w2 min base, w3 max limit.
/// (Designed here; the server dispatcher and its binding are wired through the monitors later.)
/// </summary>
public readonly record struct RamRequest(ulong Tag, int SizeBits, int Core, ulong MinBase, ulong MaxLimit)
{
    public const byte Type = 76;

    public UrpcMessage Encode()
    {
        var m = new UrpcMessage { Type = Type };
        m.Payload[0] = Tag;
        m.Payload[1] = (byte)SizeBits | (ulong)(ushort)Core << 8;
        m.Payload[2] = MinBase;
        m.Payload[3] = MaxLimit;
        return m;
    }

    public static RamRequest Decode(in UrpcMessage m)
    {
        if (m.Type != Type) throw new ArgumentException($"message type {m.Type} is not a RAM request ({Type})", nameof(m));
        return new RamRequest(m[0], (byte)m[1], (ushort)(m[1] >> 8), m[2], m[3]);
    }
}

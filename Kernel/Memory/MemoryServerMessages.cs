using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Capabilities;
using Multikernel.Urpc;

namespace Multikernel.Memory;

/// <summary>
/// The memory-server protocol (Barrelfish's <c>mem_serv</c> interface), on the binding between a core's RAM cache
/// and the memory server on the boot core. RAM travels as a <see cref="SerializedCap"/> that the monitors have agreed
/// to give to the receiving core; nothing else crosses.
/// </summary>
public static class MemoryServerMessages
{
    /// <summary>
    /// Asks for a RAM capability of at least 2^<see cref="SizeBits"/> bytes (Barrelfish's <c>allocate</c>), to be
    /// delivered into slot <see cref="Destination"/> of the requesting monitor's CSpace; answered by a
    /// <see cref="RamGrant"/> with the same tag once it is there. Words: tag, size bits (7..0) | requesting core
    /// (23..8), destination cptr (<see cref="Cptr.Pack"/>).
    /// </summary>
    public readonly record struct RamRequest(ulong Tag, int SizeBits, int Core, Cptr Destination) : IUrpcMessage<RamRequest>
    {
        public const byte TypeId = 76;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Tag; w[1] = (byte)SizeBits | (ulong)(ushort)Core << 8; w[2] = Destination.Pack(); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static RamRequest Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (byte)m[1], (ushort)(m[1] >> 8), Cptr.Unpack(m[2])); }
    }

    /// <summary>
    /// The answer to a <see cref="RamRequest"/>: <see cref="CapError.Ok"/> and the RAM capability, which the monitors
    /// have given to the requesting core and delivered into the requested slot, or the reason there is none (e.g.
    /// <see cref="CapError.OutOfRam"/>). Words: tag, error, then the three words of the capability.
    /// </summary>
    public readonly record struct RamGrant(ulong Tag, CapError Error, SerializedCap Ram) : IUrpcMessage<RamGrant>
    {
        public const byte TypeId = 77;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Tag; w[1] = (byte)Error; Ram.Encode(ref w, 2); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static RamGrant Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (CapError)(byte)m[1], SerializedCap.Decode(in m.Payload, 2)); }
    }
}

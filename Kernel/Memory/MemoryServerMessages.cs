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
    /// Asks for a RAM capability of 2^<see cref="SizeBits"/> bytes (Barrelfish's <c>allocate</c>); answered by a
    /// <see cref="RamGrant"/> with the same tag. Words: tag, size bits (7..0) | requesting core (23..8).
    /// </summary>
    public readonly record struct RamRequest(ulong Tag, int SizeBits, int Core) : IUrpcMessage<RamRequest>
    {
        public const byte TypeId = 76;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Tag; w[1] = (byte)SizeBits | (ulong)(ushort)Core << 8; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static RamRequest Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (byte)m[1], (ushort)(m[1] >> 8)); }
    }

    /// <summary>
    /// The answer to a <see cref="RamRequest"/>: <see cref="CapError.Ok"/> and the RAM capability (the monitors have
    /// agreed that the requesting core holds it; it imports it), or the reason there is none (e.g.
    /// <see cref="CapError.OutOfRam"/>). Words: tag, error, then the three words of the capability.
    /// </summary>
    public readonly record struct RamGrant(ulong Tag, CapError Error, SerializedCap Ram) : IUrpcMessage<RamGrant>
    {
        public const byte TypeId = 77;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Tag; w[1] = (byte)Error; Ram.Encode(ref w, 2); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static RamGrant Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (CapError)(byte)m[1], SerializedCap.Decode(in m.Payload, 2)); }
    }

    /// <summary>
    /// A RAM cache gives a RAM capability back (Barrelfish's <c>free</c>): it holds no descendant of it any more, and
    /// the monitors have agreed to give it to the server. Words: tag, then the three words of the capability.
    /// </summary>
    public readonly record struct RamReturn(ulong Tag, SerializedCap Ram) : IUrpcMessage<RamReturn>
    {
        public const byte TypeId = 78;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Tag; Ram.Encode(ref w, 1); }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static RamReturn Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], SerializedCap.Decode(in m.Payload, 1)); }
    }
}

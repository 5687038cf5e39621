using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multikernel.Urpc;

namespace Multikernel.Capabilities;

/// <summary>
/// Capabilities between monitors (monitor extension types): the delivery of a transferred capability once the
/// monitors have agreed to add the receiving core as a holder, and its answer. Only words: a capability travels as a
/// <see cref="SerializedCap"/>, never as a reference to an object of the sending core.
/// </summary>
public static class CapabilityMessages
{
    /// <summary>
    /// Delivers <see cref="Cap"/> to the monitor of the receiving core, which imports it into slot
    /// <see cref="Destination"/> of the CSpace registered there under <see cref="Space"/> and answers with a
    /// <see cref="Delivered"/> carrying <see cref="Tag"/>. Words: tag, space, destination cptr
    /// (<see cref="Cptr.Pack"/>), then the three words of the capability.
    /// </summary>
    public readonly record struct Transfer(ulong Tag, ulong Space, Cptr Destination, SerializedCap Cap) : IUrpcMessage<Transfer>
    {
        public const byte TypeId = 72;
        public byte Type => TypeId;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w)
        {
            w[0] = Tag; w[1] = Space; w[2] = Destination.Pack();
            Cap.Encode(ref w, 3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Transfer Decode(in UrpcMessage m)
        {
            Debug.Assert(m.Type == TypeId);
            return new(m[0], m[1], Cptr.Unpack(m[2]), SerializedCap.Decode(in m.Payload, 3));
        }
    }

    /// <summary>The receiving monitor's answer to a <see cref="Transfer"/>: the import's result.</summary>
    public readonly record struct Delivered(ulong Tag, CapError Error) : IUrpcMessage<Delivered>
    {
        public const byte TypeId = 73;
        public byte Type => TypeId;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Encode(ref UrpcPayload w) { w[0] = Tag; w[1] = (byte)Error; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Delivered Decode(in UrpcMessage m) { Debug.Assert(m.Type == TypeId); return new(m[0], (CapError)(byte)m[1]); }
    }
}

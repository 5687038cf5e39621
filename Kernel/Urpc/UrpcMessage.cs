using System.Runtime.CompilerServices;

namespace Multikernel.Urpc;

/// <summary>
/// A URPC message as it travels: its type and the seven payload words, copied out of the slot on receipt. Larger data
/// travels as a descriptor (e.g. a frame and an offset) in these words, never by widening the message. Protocol code
/// builds and reads messages through the family's typed structs (<see cref="IUrpcMessage{TSelf}"/>); this raw form is
/// what a receiver dispatches on and what a backlog or a forwarding core passes on unchanged.
/// </summary>
public struct UrpcMessage
{
    public const int PayloadWords = 7;
    public UrpcPayload Payload;
    public byte Type;

    public readonly ulong this[int i] => Payload[i];

    /// <summary>
    /// Writes the seven payload words into a slot, word by word: a received message was copied out of its slot word by
    /// word, and one wide load over those stores (a struct copy) would stall store forwarding on the forwarding path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly unsafe void WritePayloadTo(ulong* slot)
    {
        slot[0] = Payload[0]; slot[1] = Payload[1]; slot[2] = Payload[2]; slot[3] = Payload[3];
        slot[4] = Payload[4]; slot[5] = Payload[5]; slot[6] = Payload[6];
    }

    /// <summary>The raw form of a typed message (for a backlog, a forward, a test's simulated network).</summary>
    public static UrpcMessage From<T>(in T message) where T : struct, IUrpcMessage<T>
    {
        UrpcMessage m = default;
        m.Type = message.Type;
        message.Encode(ref m.Payload);
        return m;
    }
}

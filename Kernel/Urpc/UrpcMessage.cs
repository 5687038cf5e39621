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

    /// <summary>The raw form of a typed message (for a backlog, a forward, a test's simulated network).</summary>
    public static UrpcMessage From<T>(in T message) where T : struct, IUrpcMessage<T>
    {
        UrpcMessage m = default;
        m.Type = message.Type;
        message.Encode(ref m.Payload);
        return m;
    }
}

using System.Runtime.CompilerServices;

namespace Multikernel.Urpc;

/// <summary>The seven payload words of a URPC message (56 bytes: one cache line less the header word).</summary>
[InlineArray(UrpcMessage.PayloadWords)]
public struct UrpcPayload
{
    ulong _word0;
}

/// <summary>
/// A received URPC message: its type and payload, copied out of the slot. Larger data travels as a descriptor
/// (e.g. a frame capability and an offset) in these words, never by widening the message.
/// </summary>
public struct UrpcMessage
{
    public const int PayloadWords = 7;
    public UrpcPayload Payload;
    public byte Type;

    public readonly ulong this[int i] => Payload[i];
}

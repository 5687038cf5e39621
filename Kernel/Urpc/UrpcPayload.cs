using System.Runtime.CompilerServices;

namespace Multikernel.Urpc;

/// <summary>The seven payload words of a URPC message (56 bytes: one cache line less the header word).</summary>
[InlineArray(UrpcMessage.PayloadWords)]
public struct UrpcPayload
{
    ulong _word0;
}

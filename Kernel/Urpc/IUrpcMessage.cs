namespace Multikernel.Urpc;

/// <summary>
/// A typed URPC message: one small readonly struct per message of a protocol family (Barrelfish generates these from
/// Flounder interface files; here each family writes them by hand, in one file in the family's folder). A sender
/// encodes it straight into the ring slot (<see cref="UrpcSender.TrySend{T}(in T)"/>); a receiver switches on
/// <see cref="UrpcMessage.Type"/> and decodes with <see cref="Decode"/>.
/// <para>Contract: <c>T.Decode(m)</c> of a message <c>m</c> made by <see cref="Encode"/> with header type
/// <see cref="Type"/> equals the encoded value (each family's round-trip property test checks it). Encode writes
/// only the words the message uses; the others keep whatever the slot held (an earlier message of the same
/// sender to the same receiver), and Decode never reads them. Encode and Decode carry
/// <c>[MethodImpl(MethodImplOptions.AggressiveInlining)]</c>: a send encodes straight into the slot, and a call there
/// would cost about as much as the send itself (the JIT does not inline them on its own inside large loops).</para>
/// </summary>
public interface IUrpcMessage<TSelf> where TSelf : struct, IUrpcMessage<TSelf>
{
    /// <summary>The message's type: the low byte of the slot header.</summary>
    byte Type { get; }

    /// <summary>Writes the message's fields into the payload words it uses.</summary>
    void Encode(ref UrpcPayload payload);

    /// <summary>Reads the message back from a received message of this type.</summary>
    static abstract TSelf Decode(in UrpcMessage message);
}

using Multikernel.Urpc;

namespace Multikernel.Capabilities;

/// <summary>
/// A capability as it travels between monitors in a URPC message (Barrelfish sends the capability struct the same
/// way): the object's key, the rights the receiver gets, and the core that owns the object. Three payload words:
/// w[at] = type (bits 7..0) | rights (15..8) | owner core (31..16); w[at+1] = base; w[at+2] = size in pages and badge
/// (<see cref="CapObjectKey.PackSizeAndBadge"/>). Core-local state (a CNode's slots, a dispatcher) never travels,
/// which is why only <see cref="CapTypeRules.IsTransferable"/> types may be sent.
/// </summary>
public readonly record struct SerializedCap(CapObjectKey Key, CapRights Rights, int Owner)
{
    public const int Words = 3;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Encode(ref UrpcPayload w, int at = 0)
    {
        w[at] = (byte)Key.Type | (ulong)(byte)Rights << 8 | (ulong)(ushort)Owner << 16;
        w[at + 1] = Key.Base;
        w[at + 2] = Key.PackSizeAndBadge();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static SerializedCap Decode(in UrpcPayload w, int at = 0)
    {
        ulong w0 = w[at];
        var key = CapObjectKey.Unpack((CapType)(byte)w0, w[at + 1], w[at + 2]);
        return new SerializedCap(key, (CapRights)(byte)(w0 >> 8), (ushort)(w0 >> 16));
    }
}

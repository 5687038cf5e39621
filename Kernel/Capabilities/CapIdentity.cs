namespace Multikernel.Capabilities;

/// <summary>What <c>Identify</c> reports about a capability: its object, its rights, and the core that owns the object.</summary>
public readonly record struct CapIdentity(CapObjectKey Key, CapRights Rights, int Owner)
{
    public CapType Type => Key.Type;
    public ulong Base => Key.Base;
    public ulong Size => Key.Size;
}

namespace Multikernel.Capabilities;

/// <summary>
/// The contents of one capability slot: the object's type, range and badge (its <see cref="Key"/>), this copy's
/// rights, and, for objects whose state lives on this core, a reference to that state (a CNode's slots, a VNode's
/// mapping records, the dispatcher an endpoint calls). Copies share the state reference; a capability that arrived
/// from another core carries none (see <see cref="CapTypeRules.IsTransferable"/>).
/// </summary>
public readonly struct Capability
{
    public CapType Type { get; }
    public CapRights Rights { get; }
    public ulong Base { get; }
    public ulong Size { get; }
    public uint Badge { get; }
    /// <summary>Core-local state of the object (CNode, VNodeTable, or the dispatcher an Endpoint/Dispatcher cap names).</summary>
    internal object? Object { get; }

    internal Capability(CapType type, CapRights rights, ulong @base, ulong size, uint badge, object? obj)
    {
        Type = type;
        Rights = rights;
        Base = @base;
        Size = size;
        Badge = badge;
        Object = obj;
    }

    public CapObjectKey Key => new(Type, Base, Size, Badge);
    public bool IsNull => Type == CapType.Null;

    internal Capability WithRights(CapRights rights) => new(Type, rights, Base, Size, Badge, Object);
    internal Capability WithBadge(CapRights rights, uint badge) => new(Type, rights, Base, Size, badge, Object);
    internal Capability WithObject(object? obj) => new(Type, Rights, Base, Size, Badge, obj);

    /// <summary>Same object: equal keys (type, range, badge).</summary>
    internal bool SameObject(in Capability other) =>
        Type == other.Type && Base == other.Base && Size == other.Size && Badge == other.Badge;

    public override string ToString() => IsNull ? "null" : $"{Key} [{Rights}]";
}

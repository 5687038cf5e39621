namespace Multikernel.Capabilities;

/// <summary>
/// A kernel-held reference to one capability slot that notices when the capability it was taken for is gone: it
/// remembers the slot's generation, which grows every time the slot is emptied (delete or revoke), so a handle to
/// a deleted capability stays dead even if the slot is filled again. Used where the kernel keeps a capability
/// across calls, such as an LRPC binding's endpoint.
/// </summary>
public readonly struct CapHandle
{
    readonly Cte? _slot;
    readonly uint _generation;

    internal CapHandle(Cte slot)
    {
        _slot = slot;
        _generation = slot.Generation;
    }

    /// <summary>False for the default handle (no capability).</summary>
    public bool IsBound => _slot != null;

    /// <summary>True while the capability the handle was taken for is still in its slot.</summary>
    public bool IsLive => _slot != null && _slot.Generation == _generation && _slot.Cap.Type != CapType.Null;

    /// <summary>The capability (Null once it is gone).</summary>
    public Capability Capability => IsLive ? _slot!.Cap : default;

    /// <summary>Ok when the capability is still there, has <paramref name="type"/> and at least <paramref name="rights"/>.</summary>
    public CapError Check(CapType type, CapRights rights)
    {
        if (_slot == null) return CapError.EmptySlot;
        if (_slot.Generation != _generation || _slot.Cap.Type == CapType.Null) return CapError.Revoked;
        if (_slot.Cap.Type != type) return CapError.WrongType;
        return (_slot.Cap.Rights & rights) == rights ? CapError.Ok : CapError.MissingRights;
    }

    /// <summary>Ok when the handle is a live Endpoint capability with <paramref name="rights"/> that calls <paramref name="listener"/>.</summary>
    public CapError CheckEndpointFor(object listener, CapRights rights)
    {
        var e = Check(CapType.Endpoint, rights);
        if (e != CapError.Ok) return e;
        return ReferenceEquals(_slot!.Cap.Object, listener) ? CapError.Ok : CapError.WrongType;
    }
}

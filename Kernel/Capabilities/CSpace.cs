using System.Runtime.CompilerServices;

namespace Multikernel.Capabilities;

/// <summary>
/// A dispatcher's capability space: a tree of CNodes below one root CNode capability, addressed by <see cref="Cptr"/>s
/// (two levels, as in Barrelfish). Every invocation names the CSpace it resolves its addresses in, and is checked
/// by the <see cref="CapabilityDriver"/> of the core that owns that CSpace.
/// <para>Invariant: <see cref="RootSlot"/> holds a CNode capability for as long as the CSpace is in use; it is a real
/// capability (in the core's mapping database), so revoking the RAM it came from destroys the CSpace.</para>
/// </summary>
public sealed class CSpace
{
    /// <summary>Where a boot CSpace keeps the RAM it was created with.</summary>
    public static readonly Cptr BootRam = Cptr.Root(0);

    internal readonly Cte RootSlot;

    public CapabilityDriver Driver { get; }
    public int Core => Driver.Core;
    /// <summary>Slots of the root CNode (0 once the root capability is gone).</summary>
    public int RootSlots => RootSlot.Cap.Type == CapType.CNode ? Unsafe.As<CNode>(RootSlot.Cap.Object!).SlotCount : 0;

    internal CSpace(CapabilityDriver driver, Cte rootSlot)
    {
        Driver = driver;
        RootSlot = rootSlot;
    }

    /// <summary>The slot <paramref name="p"/> names, empty or not.</summary>
    internal CapError Resolve(Cptr p, out Cte slot)
    {
        slot = null!;
        ref readonly Capability root = ref RootSlot.Cap;
        if (root.Type != CapType.CNode) return CapError.InvalidAddress;
        Cte[] l1 = Unsafe.As<CNode>(root.Object!).Slots;
        int i = p.L1;
        if ((uint)i >= (uint)l1.Length) return CapError.InvalidAddress;
        Cte s = l1[i];
        if (p.Level == 1) { slot = s; return CapError.Ok; }
        if (p.Level != 2 || s.Cap.Type != CapType.CNode) return CapError.InvalidAddress;
        Cte[] l2 = Unsafe.As<CNode>(s.Cap.Object!).Slots;
        int j = p.L2;
        if ((uint)j >= (uint)l2.Length) return CapError.InvalidAddress;
        slot = l2[j];
        return CapError.Ok;
    }

    /// <summary>The capability <paramref name="p"/> names; <see cref="CapError.EmptySlot"/> when the slot is empty.</summary>
    internal CapError Lookup(Cptr p, out Cte slot)
    {
        var e = Resolve(p, out slot);
        if (e != CapError.Ok) return e;
        return slot.Cap.Type == CapType.Null ? CapError.EmptySlot : CapError.Ok;
    }

    /// <summary>The capability at <paramref name="p"/> (a read-only view; Null when the address does not resolve).</summary>
    public Capability this[Cptr p] => Resolve(p, out var s) == CapError.Ok ? s.Cap : default;
}

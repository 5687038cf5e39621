using System.Runtime.CompilerServices;
using Multikernel.Memory;

namespace Multikernel.Capabilities;

public sealed unsafe partial class CapabilityDriver
{
    /// <summary>
    /// VNode invocation: writes entry <paramref name="entry"/> of the table at <paramref name="vnode"/> to map the
    /// capability at <paramref name="child"/>, in the x86-64 format of <see cref="PageTableEntry"/>. For a last-level
    /// table the child is a Frame, mapped with <paramref name="rights"/> (must include Read and be a subset of the
    /// frame capability's rights; a frame of n pages takes n consecutive entries); for an upper-level table the child
    /// is a table of the next level down and <paramref name="rights"/> is ignored (rights are decided at the leaf).
    /// Needs Write on the VNode. A capability maps once (map a copy to map the object elsewhere).
    /// Allocates nothing.
    /// </summary>
    public CapError Map(CSpace cs, Cptr vnode, int entry, Cptr child, CapRights rights)
    {
        var e = Find(cs, vnode, out Cte v);
        if (e != CapError.Ok) return e;
        CapType vt = v.Cap.Type;
        if (!CapTypeRules.IsVNode(vt)) return CapError.WrongType;
        if ((v.Cap.Rights & CapRights.Write) == 0) return CapError.MissingRights;
        e = cs.Lookup(child, out Cte c);
        if (e != CapError.Ok) return e;
        ref readonly Capability cc = ref c.Cap;
        if (cc.Type != CapTypeRules.EntryType(vt)) return CapError.WrongType;
        int entries = 1;
        if (cc.Type == CapType.Frame)
        {
            if ((rights & CapRights.Read) == 0 || (rights & ~cc.Rights) != 0) return CapError.MissingRights;
            ulong pages = cc.Size >> CapTypeRules.PageShift;
            if (pages > CapTypeRules.VNodeEntries) return CapError.InvalidMapSlot;
            entries = (int)pages;
        }
        if ((uint)entry >= CapTypeRules.VNodeEntries || entries > CapTypeRules.VNodeEntries - entry) return CapError.InvalidMapSlot;
        if (c.MappedIn != null) return CapError.AlreadyMapped;
        var table = Unsafe.As<VNodeTable>(v.Cap.Object!);
        Cte?[] mapped = table.Mapped;
        for (int k = 0; k < entries; k++)
            if (mapped[entry + k] != null) return CapError.VNodeSlotInUse;

        ulong* words = Memory.FrameWords(table.Base) + entry;
        if (cc.Type == CapType.Frame)
        {
            var pr = (rights & CapRights.Write) != 0 ? PageRights.ReadWrite : PageRights.ReadOnly;
            for (int k = 0; k < entries; k++)
                Volatile.Write(ref words[k], PageTableEntry.Leaf(cc.Base + ((ulong)k << CapTypeRules.PageShift), pr));
        }
        else Volatile.Write(ref words[0], PageTableEntry.Table(cc.Base)); // release: a walk sees the zeroed table before the link
        for (int k = 0; k < entries; k++) mapped[entry + k] = c;
        c.MappedIn = table;
        c.MappedEntry = entry;
        c.MappedEntries = entries;
        return CapError.Ok;
    }

    /// <summary>
    /// VNode invocation: clears the mapping that starts at entry <paramref name="entry"/> of the table at
    /// <paramref name="vnode"/> (all its entries). Other cores may cache the translation until a TLB shootdown has
    /// run (<see cref="UnmapObserver"/> is told). Needs Write on the VNode. Allocates nothing.
    /// </summary>
    public CapError Unmap(CSpace cs, Cptr vnode, int entry) => Unmap(cs, vnode, entry, out _);

    /// <summary><see cref="Unmap(CSpace, Cptr, int)"/>, also giving how many entries (pages) the cleared mapping held (0 on an error).</summary>
    public CapError Unmap(CSpace cs, Cptr vnode, int entry, out int entries)
    {
        entries = 0;
        var e = Find(cs, vnode, out Cte v);
        if (e != CapError.Ok) return e;
        if (!CapTypeRules.IsVNode(v.Cap.Type)) return CapError.WrongType;
        if ((v.Cap.Rights & CapRights.Write) == 0) return CapError.MissingRights;
        if ((uint)entry >= CapTypeRules.VNodeEntries) return CapError.InvalidMapSlot;
        var table = Unsafe.As<VNodeTable>(v.Cap.Object!);
        Cte? m = table.Mapped[entry];
        if (m == null || m.MappedEntry != entry) return CapError.VNodeSlotEmpty;
        entries = m.MappedEntries;
        ClearMapping(m);
        return CapError.Ok;
    }
}

using Multikernel.Capabilities;

namespace Multikernel.Memory;

/// <summary>
/// A user-level address space built entirely by capability invocations (Barrelfish's <c>pmap</c>): the dispatcher
/// retypes its own RAM into page tables through a <see cref="RamFrameAllocator"/>, links them with VNode Map
/// invocations, and maps Frame capabilities at the leaves. The tables are real x86-64 tables in physical memory
/// (<see cref="PageTableEntry"/>), walked by <see cref="TryWalk"/> as the MMU would.
/// <para>Invariant: the shadow holds exactly the tables this pmap created and linked, keyed by level and the part
/// of the address above it; single user (the dispatcher that owns the CSpace, on its core).</para>
/// </summary>
public sealed class Pmap
{
    readonly RamFrameAllocator _tables;
    readonly Dictionary<(int Level, ulong Prefix), Cptr> _shadow = new();
    readonly Cptr _root;

    /// <summary>Physical address of the PML4 (what CR3 would hold).</summary>
    public ulong Root { get; }
    public int Tables => _shadow.Count + 1;

    public Pmap(RamFrameAllocator tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _tables = tables;
        var e = tables.TryAlloc(CapType.VNodePml4, out _root);
        if (e != CapError.Ok) throw new InvalidOperationException($"cannot create the root page table: {e}");
        tables.Driver.Identify(tables.Space, _root, out var id);
        Root = id.Base;
    }

    static CapType TypeAt(int level) => level switch
    {
        2 => CapType.VNodePdpt,
        1 => CapType.VNodePdir,
        _ => CapType.VNodePtable,
    };

    /// <summary>Maps the Frame capability at <paramref name="frame"/> at <paramref name="va"/>, creating the tables on the way.</summary>
    public CapError Map(ulong va, Cptr frame, CapRights rights)
    {
        if (va % CapTypeRules.PageSize != 0 || va >= VSpace.UserTop) return CapError.InvalidMapSlot;
        var e = TableFor(va, create: true, out var leaf);
        if (e != CapError.Ok) return e;
        return _tables.Driver.Map(_tables.Space, leaf, VSpace.IndexAt(va, 0), frame, rights);
    }

    /// <summary>Removes the mapping at <paramref name="va"/> (the tables stay, like <see cref="VSpace"/>'s).</summary>
    public CapError Unmap(ulong va)
    {
        if (va % CapTypeRules.PageSize != 0 || va >= VSpace.UserTop) return CapError.InvalidMapSlot;
        var e = TableFor(va, create: false, out var leaf);
        if (e != CapError.Ok) return e;
        return _tables.Driver.Unmap(_tables.Space, leaf, VSpace.IndexAt(va, 0));
    }

    /// <summary>The MMU's walk of these tables.</summary>
    public bool TryWalk(ulong va, out ulong pte) => VSpace.TryWalk(_tables.Driver.Memory, Root, va, out pte);

    CapError TableFor(ulong va, bool create, out Cptr table)
    {
        table = _root;
        for (int level = 2; level >= 0; level--)
        {
            var key = (level, va >> (VSpace.PageShift + 9 * (level + 1)));
            if (!_shadow.TryGetValue(key, out var next))
            {
                if (!create) return CapError.VNodeSlotEmpty;
                var e = _tables.TryAlloc(TypeAt(level), out next);
                if (e != CapError.Ok) return e;
                e = _tables.Driver.Map(_tables.Space, table, VSpace.IndexAt(va, level + 1), next, CapRights.None);
                if (e != CapError.Ok) { _tables.Free(next); return e; }
                _shadow[key] = next;
            }
            table = next;
        }
        return CapError.Ok;
    }
}

using Multikernel.Capabilities;

namespace Multikernel.Memory;

/// <summary>
/// A user-level address space built entirely by capability invocations (Barrelfish's <c>pmap</c>): the dispatcher
/// retypes its own RAM into page tables through a <see cref="RamFrameAllocator"/>, links them with VNode Map
/// invocations, and maps Frame capabilities at the leaves. The tables are real x86-64 tables in physical memory
/// (<see cref="PageTableEntry"/>), walked by every core that runs the space (<see cref="PageTables.TryWalk"/>, through
/// its <see cref="Tlb"/>), and tagged in those TLBs by <see cref="Id"/>.
/// <para>An address space shared by several cores (<see cref="SharedRoot"/>) does not link a table into its root
/// itself: inserting a page table into the root page table needs the monitors' two-phase commit, so
/// <see cref="Map"/> answers <see cref="CapError.NeedsAgreement"/>, and the caller reserves the table
/// (<see cref="PrepareRootTable"/>), runs the agreement, and links it (<see cref="LinkRootTable"/>) or drops it
/// (<see cref="DropRootTable"/>). Removing a mapping leaves stale translations in other cores' TLBs until a
/// shootdown has run; the frame may be reused only after it.</para>
/// <para>Invariants: the shadow holds exactly the tables this pmap created and linked, keyed by level and the part of
/// the address above it; tables stay linked until <see cref="Destroy"/> (so a walk on another core never follows a
/// link into a recycled page), and once destroyed it walks, maps and prepares nothing (its pages and slots are the
/// allocator's again); single user (the dispatcher that owns the CSpace, on its core).</para>
/// </summary>
public sealed class Pmap
{
    static long s_nextId;

    readonly RamFrameAllocator _tables;
    readonly Dictionary<(int Level, ulong Prefix), Cptr> _shadow = new();
    readonly Dictionary<int, Cptr> _pendingRoot = new();
    readonly Cptr _root;
    bool _destroyed;

    /// <summary>Address-space identifier: tags this space's entries in every core's TLB (like an x86 PCID).</summary>
    public ulong Id { get; }
    /// <summary>Physical address of the PML4 (what CR3 would hold).</summary>
    public ulong Root { get; }
    /// <summary>Page-table pages in use, root included.</summary>
    public int Tables => _shadow.Count + 1;
    public PhysicalMemory Memory => _tables.Driver.Memory;
    /// <summary>True when several cores run this space: a table enters the root only by agreement (see the class remarks).</summary>
    public bool SharedRoot { get; set; }

    public Pmap(RamFrameAllocator tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _tables = tables;
        Id = (ulong)Interlocked.Increment(ref s_nextId);
        if (Id > Tlb.MaxSpaceId) throw new InvalidOperationException($"address-space ids are exhausted: a TLB tag holds at most {Tlb.MaxSpaceId}");
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

    /// <summary>The root-table entry that covers <paramref name="va"/>.</summary>
    public static int RootEntryOf(ulong va) => PageTables.IndexAt(va, PageTables.Levels - 1);

    /// <summary>True when the root entry <paramref name="entry"/> links a table of this space.</summary>
    public bool HasRootTable(int entry) => _shadow.ContainsKey((2, (ulong)entry));

    /// <summary>
    /// Maps the Frame capability at <paramref name="frame"/> at <paramref name="va"/>, creating the tables below the
    /// root on the way (and, unless <see cref="SharedRoot"/>, the one in the root).
    /// </summary>
    public CapError Map(ulong va, Cptr frame, CapRights rights)
    {
        if (va % PageTables.PageSize != 0 || va >= PageTables.UserTop) return CapError.InvalidMapSlot;
        if (_destroyed) return CapError.Revoked;
        var e = TableFor(va, create: true, out var leaf);
        if (e != CapError.Ok) return e;
        return _tables.Driver.Map(_tables.Space, leaf, PageTables.IndexAt(va, 0), frame, rights);
    }

    /// <summary>Removes the mapping at <paramref name="va"/> (all pages of the frame mapped there; the tables stay).</summary>
    public CapError Unmap(ulong va) => Unmap(va, out _);

    /// <summary><see cref="Unmap(ulong)"/>, also giving how many pages the removed mapping covered from <paramref name="va"/> on (0 on an error).</summary>
    public CapError Unmap(ulong va, out int pages)
    {
        pages = 0;
        if (va % PageTables.PageSize != 0 || va >= PageTables.UserTop) return CapError.InvalidMapSlot;
        if (_destroyed) return CapError.Revoked;
        var e = TableFor(va, create: false, out var leaf);
        if (e != CapError.Ok) return e;
        return _tables.Driver.Unmap(_tables.Space, leaf, PageTables.IndexAt(va, 0), out pages);
    }

    /// <summary>Before the agreement on a root insert: retypes the table for root entry <paramref name="entry"/> (not linked yet) and returns its physical address (<see cref="CapError.Revoked"/> once destroyed).</summary>
    public CapError PrepareRootTable(int entry, out ulong tableBase)
    {
        tableBase = 0;
        if ((uint)entry >= PageTables.EntriesPerTable) return CapError.InvalidMapSlot;
        if (_destroyed) return CapError.Revoked;
        if (HasRootTable(entry) || _pendingRoot.ContainsKey(entry)) return CapError.VNodeSlotInUse;
        var e = _tables.TryAlloc(CapType.VNodePdpt, out var table);
        if (e != CapError.Ok) return e;
        _pendingRoot[entry] = table;
        _tables.Driver.Identify(_tables.Space, table, out var id);
        tableBase = id.Base;
        return CapError.Ok;
    }

    /// <summary>After the monitors agreed: links the prepared table into root entry <paramref name="entry"/>.</summary>
    public CapError LinkRootTable(int entry)
    {
        if (!_pendingRoot.Remove(entry, out var table)) return CapError.EmptySlot;
        var e = _tables.Driver.Map(_tables.Space, _root, entry, table, CapRights.None);
        if (e != CapError.Ok) { _tables.Free(table); return e; }
        _shadow[(2, (ulong)entry)] = table;
        return CapError.Ok;
    }

    /// <summary>After the monitors refused: gives the prepared table back.</summary>
    public void DropRootTable(int entry)
    {
        if (_pendingRoot.Remove(entry, out var table)) _tables.Free(table);
    }

    /// <summary>The MMU's walk of these tables; none once destroyed (the root's page may hold anything by then).</summary>
    public bool TryWalk(ulong va, out ulong pte)
    {
        if (_destroyed) { pte = 0; return false; }
        return PageTables.TryWalk(Memory, Root, va, out pte);
    }

    /// <summary>The physical address <paramref name="va"/> maps to (page offset included) and its rights, by a page walk.</summary>
    public bool TryTranslate(ulong va, out ulong pa, out PageRights rights)
    {
        if (TryWalk(va, out ulong pte))
        {
            pa = PageTableEntry.Address(pte) | (va & (PageTables.PageSize - 1));
            rights = PageTableEntry.Rights(pte);
            return true;
        }
        pa = 0;
        rights = default;
        return false;
    }

    /// <summary>
    /// Deletes every table of this space, leaves first (their mappings are cleared with them) and the root last. Call
    /// only when no core runs the space any more (after a shootdown of its whole range, or once its dispatchers left).
    /// </summary>
    public void Destroy()
    {
        if (_destroyed) return;
        _destroyed = true;
        foreach (var (entry, _) in _pendingRoot.ToArray()) DropRootTable(entry);
        foreach (var (_, table) in _shadow.OrderBy(kv => kv.Key.Level)) _tables.Free(table);
        _shadow.Clear();
        _tables.Free(_root);
    }

    CapError TableFor(ulong va, bool create, out Cptr table)
    {
        table = _root;
        for (int level = 2; level >= 0; level--)
        {
            var key = (level, va >> (PageTables.PageShift + 9 * (level + 1)));
            if (!_shadow.TryGetValue(key, out var next))
            {
                if (!create) return CapError.VNodeSlotEmpty;
                if (level == 2 && SharedRoot) return CapError.NeedsAgreement;
                var e = _tables.TryAlloc(TypeAt(level), out next);
                if (e != CapError.Ok) return e;
                e = _tables.Driver.Map(_tables.Space, table, PageTables.IndexAt(va, level + 1), next, CapRights.None);
                if (e != CapError.Ok) { _tables.Free(next); return e; }
                _shadow[key] = next;
            }
            table = next;
        }
        return CapError.Ok;
    }
}

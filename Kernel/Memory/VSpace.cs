using System.Diagnostics;

namespace Multikernel.Memory;

/// <summary>
/// A user-level virtual address space: a 4-level x86-64-style radix page table (PML4, PDPT, PD, PT; 512 entries of
/// 8 bytes per 4 KiB table page) kept as real data in <see cref="PhysicalMemory"/>, with the table pages taken from a
/// <see cref="FrameAllocator"/>. Maps 4 KiB pages of the lower (user) half of the 48-bit address space.
/// As in Barrelfish, the page tables belong to the domain, not to a kernel: the domain's dispatcher edits them, and
/// the VSpace is shared by the domain's dispatchers on every core it spans, each of which caches translations in its
/// core's <see cref="Tlb"/>. Changing or removing a mapping therefore needs a TLB shootdown before the old frame may
/// be reused (<c>Multikernel.Monitor.TlbShootdown.Unmap</c>).
/// <para>Invariants:
/// (1) Every present upper-level entry points to a page-table page allocated by this VSpace and listed in its table
///     list; <see cref="PageTablePages"/> counts them, root included.
/// (2) Page-table pages are never freed while the VSpace lives (an unmap clears the last-level entry only), so a page
///     walk running concurrently on another core never follows a pointer into a recycled frame. All are returned to
///     the allocator by <see cref="Dispose"/>.
/// (3) One writer at a time: Map/Unmap/Protect are called by one thread at a time (the dispatcher managing the
///     address space); Debug builds detect two concurrent writers. Walks (<see cref="TryWalk"/>) may run on any core:
///     entries are published with release stores (a new table page is zeroed before it is linked) and read with
///     acquire loads, so a walk sees either the old or the new entry, never a half-initialised table.
/// (4) <see cref="MappedPages"/> equals the number of present last-level entries.</para>
/// <see cref="Pmap"/> is the same structure built through capability invocations (tables retyped from the domain's RAM,
/// Frame capabilities mapped by VNode Map); this class remains for the code that does not hold capabilities yet.
/// </summary>
public sealed unsafe class VSpace : IDisposable
{
    public const int Levels = 4;
    public const int EntriesPerTable = 512;
    public const int PageShift = 12;
    public const ulong PageSize = 1UL << PageShift;
    /// <summary>First address above the user half of the canonical 48-bit space.</summary>
    public const ulong UserTop = 1UL << 47;

    static long s_nextId;

    readonly PhysicalMemory _memory;
    readonly FrameAllocator _frames;
    readonly List<ulong> _tablePages = new();
    int _writers;
    bool _disposed;

    /// <summary>Address-space identifier: tags this space's entries in every core's TLB (like an x86 PCID).</summary>
    public ulong Id { get; }
    /// <summary>Physical address of the top-level table (what CR3 would hold).</summary>
    public ulong Root { get; }
    /// <summary>Page-table pages in use, root included.</summary>
    public int PageTablePages => _tablePages.Count;
    /// <summary>Present last-level entries.</summary>
    public int MappedPages { get; private set; }
    public PhysicalMemory Memory => _memory;

    public VSpace(FrameAllocator frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        _frames = frames;
        _memory = frames.Memory;
        Id = (ulong)Interlocked.Increment(ref s_nextId);
        if (Id > Tlb.MaxSpaceId) throw new InvalidOperationException($"address-space ids are exhausted: a TLB tag holds at most {Tlb.MaxSpaceId}");
        Root = NewTablePage();
    }

    /// <summary>Index into the table at <paramref name="level"/> (3 = PML4 ... 0 = PT) for <paramref name="va"/>.</summary>
    public static int IndexAt(ulong va, int level) => (int)((va >> (PageShift + 9 * level)) & (EntriesPerTable - 1));

    /// <summary>
    /// Maps the page at <paramref name="va"/> to the frame at <paramref name="pa"/>, creating missing page-table
    /// pages. Mapping over an existing mapping is refused (unmap first), as in seL4 and Barrelfish. If a table page
    /// cannot be allocated, nothing is mapped; tables created so far stay linked (empty) and counted.
    /// </summary>
    public void Map(ulong va, ulong pa, PageRights rights)
    {
        CheckVa(va);
        if ((pa & (PageSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(pa), $"physical address 0x{pa:x} is not the start of a frame ({PageSize}-byte aligned)");
        if (!_memory.Contains(pa, PageSize))
            throw new ArgumentOutOfRangeException(nameof(pa), $"physical address 0x{pa:x} is outside physical memory (0x0 to 0x{_memory.Bytes - 1:x})");
        EnterWriter();
        try
        {
            ulong* pte = LeafSlot(va, create: true)!;
            ulong old = Volatile.Read(ref *pte);
            if (PageTableEntry.IsPresent(old))
                throw new InvalidOperationException($"virtual address 0x{va:x} is already mapped to 0x{PageTableEntry.Address(old):x}; unmap it first");
            Volatile.Write(ref *pte, PageTableEntry.Leaf(pa, rights));
            MappedPages++;
        }
        finally { ExitWriter(); }
    }

    /// <summary>
    /// Removes the mapping of the page at <paramref name="va"/> and returns the frame it mapped. Other cores may still
    /// hold the translation in their TLBs until a shootdown completes; the frame must not be reused before that.
    /// </summary>
    public ulong Unmap(ulong va)
    {
        CheckVa(va);
        EnterWriter();
        try
        {
            ulong* pte = LeafSlot(va, create: false);
            ulong old = pte == null ? 0 : Volatile.Read(ref *pte);
            if (!PageTableEntry.IsPresent(old)) throw new InvalidOperationException($"virtual address 0x{va:x} is not mapped");
            Volatile.Write(ref *pte, 0);
            MappedPages--;
            return PageTableEntry.Address(old);
        }
        finally { ExitWriter(); }
    }

    /// <summary>Changes the rights of an existing mapping; returns the previous rights. Needs a shootdown like an unmap when rights shrink.</summary>
    public PageRights Protect(ulong va, PageRights rights)
    {
        CheckVa(va);
        EnterWriter();
        try
        {
            ulong* pte = LeafSlot(va, create: false);
            ulong old = pte == null ? 0 : Volatile.Read(ref *pte);
            if (!PageTableEntry.IsPresent(old)) throw new InvalidOperationException($"virtual address 0x{va:x} is not mapped");
            Volatile.Write(ref *pte, PageTableEntry.Leaf(PageTableEntry.Address(old), rights));
            return PageTableEntry.Rights(old);
        }
        finally { ExitWriter(); }
    }

    /// <summary>
    /// Walks the tables as the MMU would (any core, concurrently with the writer): the last-level entry for
    /// <paramref name="va"/> if it is present. An address outside the user half simply has no translation.
    /// </summary>
    public bool TryWalk(ulong va, out ulong pte) => TryWalk(_memory, Root, va, out pte);

    /// <summary>
    /// The MMU's walk over any 4-level table tree in <paramref name="memory"/> rooted at <paramref name="root"/>
    /// (tables built through capability invocations included): the last-level entry for <paramref name="va"/> if present.
    /// </summary>
    public static bool TryWalk(PhysicalMemory memory, ulong root, ulong va, out ulong pte)
    {
        pte = 0;
        if (va >= UserTop) return false;
        ulong table = root;
        for (int level = Levels - 1; level >= 0; level--)
        {
            ulong e = Volatile.Read(ref memory.FrameWords(table)[IndexAt(va, level)]);
            if (!PageTableEntry.IsPresent(e)) return false;
            if (level == 0) { pte = e; return true; }
            table = PageTableEntry.Address(e);
        }
        return false;
    }

    /// <summary>The physical address <paramref name="va"/> maps to (page offset included) and its rights, by a page walk.</summary>
    public bool TryTranslate(ulong va, out ulong pa, out PageRights rights)
    {
        if (TryWalk(va, out ulong pte))
        {
            pa = PageTableEntry.Address(pte) | (va & (PageSize - 1));
            rights = PageTableEntry.Rights(pte);
            return true;
        }
        pa = 0;
        rights = default;
        return false;
    }

    /// <summary>The last-level slot for <paramref name="va"/>, creating the tables on the way if asked (else null when a table is missing).</summary>
    ulong* LeafSlot(ulong va, bool create)
    {
        ulong table = Root;
        for (int level = Levels - 1; level > 0; level--)
        {
            ulong* slot = _memory.FrameWords(table) + IndexAt(va, level);
            ulong e = Volatile.Read(ref *slot);
            if (!PageTableEntry.IsPresent(e))
            {
                if (!create) return null;
                ulong next = NewTablePage();
                Volatile.Write(ref *slot, PageTableEntry.Table(next)); // release: the zeroed table is visible before the link
                e = PageTableEntry.Table(next);
            }
            table = PageTableEntry.Address(e);
        }
        return _memory.FrameWords(table) + IndexAt(va, 0);
    }

    ulong NewTablePage()
    {
        ulong pa = _frames.TryAlloc(out ulong f) ? f
            : throw new InsufficientMemoryException($"cannot allocate a page-table page: the frame allocator's {_frames.Capacity} frames are all in use ({PageTablePages} page-table pages in this VSpace)");
        _memory.Frame(pa).Clear();
        _tablePages.Add(pa);
        return pa;
    }

    void CheckVa(ulong va)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((va & (PageSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(va), $"virtual address 0x{va:x} is not page-aligned ({PageSize} bytes)");
        if (va >= UserTop)
            throw new ArgumentOutOfRangeException(nameof(va), $"virtual address 0x{va:x} is outside the user half of the address space (0x0 to 0x{UserTop - 1:x})");
    }

    [Conditional("DEBUG")]
    void EnterWriter()
    {
        if (Interlocked.Exchange(ref _writers, 1) != 0)
            throw new InvalidOperationException($"VSpace {Id} changed by two threads at once: page-table updates have one writer at a time");
    }

    [Conditional("DEBUG")]
    void ExitWriter() => Volatile.Write(ref _writers, 0);

    /// <summary>Returns every page-table page to the allocator. Call only when no core walks this space any more.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (ulong pa in _tablePages) _frames.Release(pa);
        _tablePages.Clear();
        MappedPages = 0;
    }
}

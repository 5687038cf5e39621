using System.Diagnostics;
using System.Numerics;

namespace Multikernel.Memory;

/// <summary>
/// One core's translation lookaside buffer, in software: a small direct-mapped cache of last-level page-table entries
/// tagged by address space (<see cref="Pmap.Id"/>) and virtual page number. The VM API on a core translates through
/// its TLB: a hit answers from the cache without reading the page tables; a miss walks the tables
/// (<see cref="PageTables.TryWalk"/>) and fills the entry. Like a hardware TLB it is not coherent with the page tables:
/// after a mapping is removed or its rights shrink, the entry stays until this core invalidates it, which is what a
/// TLB shootdown asks every core to do.
/// <para>Invariants: (1) touched only by its core's thread (checked in Debug builds once <see cref="BindToCurrentThread"/>
/// has named the owner); (2) a valid entry holds exactly the leaf entry a walk returned when it was filled (never a
/// non-present one); (3) after <see cref="InvalidatePage"/> / <see cref="InvalidateRange"/> / <see cref="Flush"/>,
/// no entry covers the invalidated pages until a later walk finds them mapped again.</para>
/// </summary>
public sealed class Tlb : ITranslationInvalidator
{
    /// <summary>Largest address-space id a tag can hold (28 bits).</summary>
    public const ulong MaxSpaceId = (1UL << 28) - 1;
    const ulong Valid = 1UL << 63;
    const int VpnBits = 35; // 47-bit user addresses, 4 KiB pages

    readonly ulong[] _tags;   // Valid | asid << 35 | vpn; 0 = empty
    readonly ulong[] _ptes;
    readonly int _mask;
    Thread? _owner;

    public int Entries { get; }
    public long Hits { get; private set; }
    public long Misses { get; private set; }
    /// <summary>Invalidation requests served (page or range), whether or not they found an entry.</summary>
    public long InvalidationRequests { get; private set; }
    /// <summary>Valid entries removed by invalidations and flushes.</summary>
    public long EntriesInvalidated { get; private set; }

    /// <param name="entries">Number of entries, a power of two from 1 to 65536 (64 is about an L1 DTLB).</param>
    public Tlb(int entries = 64)
    {
        if (entries < 1 || entries > 65536 || !BitOperations.IsPow2(entries))
            throw new ArgumentOutOfRangeException(nameof(entries), entries, "TLB size must be a power of two from 1 to 65536");
        Entries = entries;
        _mask = entries - 1;
        _tags = new ulong[entries];
        _ptes = new ulong[entries];
    }

    /// <summary>Names the calling thread (the core's CPU-driver thread) as the only one allowed to use this TLB.</summary>
    public void BindToCurrentThread() => _owner = Thread.CurrentThread;

    /// <summary>
    /// Translates <paramref name="va"/> in <paramref name="space"/> for a read or a write: from the cache on a hit,
    /// else by a page walk that fills the entry. False (a page fault) when there is no mapping, or when a write hits a
    /// read-only one.
    /// </summary>
    public bool TryTranslate(Pmap space, ulong va, bool write, out ulong pa)
    {
        AssertOwner();
        ulong vpn = va >> PageTables.PageShift;
        ulong tag = Tag(space.Id, vpn);
        int slot = Slot(space.Id, vpn);
        ulong pte;
        if (_tags[slot] == tag && va < PageTables.UserTop)
        {
            Hits++;
            pte = _ptes[slot];
        }
        else
        {
            Misses++;
            if (!space.TryWalk(va, out pte)) { pa = 0; return false; }
            _tags[slot] = tag;
            _ptes[slot] = pte;
        }
        pa = PageTableEntry.Address(pte) | (va & (PageTables.PageSize - 1));
        return !write || PageTableEntry.IsWritable(pte);
    }

    /// <summary>True when a valid entry caches the page of <paramref name="va"/> in space <paramref name="spaceId"/> (a probe: no walk, no fill).
    /// An address outside the user half or an id above <see cref="MaxSpaceId"/> is never held: no entry caches it, though its
    /// tag bits may equal a held entry's.</summary>
    public bool Holds(ulong spaceId, ulong va)
    {
        AssertOwner();
        ulong vpn = va >> PageTables.PageShift;
        return Taggable(spaceId, vpn) && _tags[Slot(spaceId, vpn)] == Tag(spaceId, vpn);
    }

    /// <summary>Drops the entry for the page of <paramref name="va"/> in space <paramref name="spaceId"/>, if cached (x86 INVLPG).</summary>
    public void InvalidatePage(ulong spaceId, ulong va) => InvalidateRange(spaceId, va, 1);

    /// <summary>
    /// Drops the entries for <paramref name="pages"/> pages from <paramref name="va"/> in space <paramref name="spaceId"/>.
    /// A range at least as large as the TLB drops every entry of that space instead (as an OS flushes the whole TLB
    /// past a threshold). Pages outside the user half, and spaces above <see cref="MaxSpaceId"/>, have no entries to drop.
    /// </summary>
    public void InvalidateRange(ulong spaceId, ulong va, long pages)
    {
        AssertOwner();
        InvalidationRequests++;
        ulong vpn = va >> PageTables.PageShift;
        if (!Taggable(spaceId, vpn)) return;
        pages = (long)Math.Min((ulong)Math.Max(pages, 0), UserPages - vpn);
        if (pages >= Entries)
        {
            ulong prefix = Valid | spaceId << VpnBits;
            for (int i = 0; i < _tags.Length; i++)
                if ((_tags[i] & ~((1UL << VpnBits) - 1)) == prefix) Drop(i);
            return;
        }
        for (long p = 0; p < pages; p++)
        {
            int slot = Slot(spaceId, vpn + (ulong)p);
            if (_tags[slot] == Tag(spaceId, vpn + (ulong)p)) Drop(slot);
        }
    }

    /// <summary>Shootdown step of the modelled MMU: whatever the change, the page tables are shared and already edited, so this core drops its cached entries for the range.</summary>
    public void Apply(in MmuChange change) => InvalidateRange(change.SpaceId, change.Va, change.Pages);

    /// <summary>Nothing to check beyond the invalidation itself (tests and the workload probe <see cref="Holds"/>).</summary>
    public void Verify(in MmuChange change) { }

    /// <summary>Drops every entry of every space.</summary>
    public void Flush()
    {
        AssertOwner();
        for (int i = 0; i < _tags.Length; i++)
            if (_tags[i] != 0) Drop(i);
    }

    void Drop(int slot)
    {
        _tags[slot] = 0;
        _ptes[slot] = 0;
        EntriesInvalidated++;
    }

    /// <summary>Pages of the user half: the page numbers a tag holds (<see cref="VpnBits"/> bits).</summary>
    const ulong UserPages = PageTables.UserTop >> PageTables.PageShift;

    /// <summary>Whether a tag can hold this space and page: otherwise <see cref="Tag"/> would drop high bits and alias a held entry.</summary>
    static bool Taggable(ulong spaceId, ulong vpn) => spaceId <= MaxSpaceId && vpn < UserPages;

    static ulong Tag(ulong spaceId, ulong vpn) => Valid | spaceId << VpnBits | (vpn & ((1UL << VpnBits) - 1));

    int Slot(ulong spaceId, ulong vpn) => (int)((vpn ^ (spaceId * 0x9E37_79B9UL)) & (ulong)_mask);

    [Conditional("DEBUG")]
    void AssertOwner()
    {
        if (_owner != null && _owner != Thread.CurrentThread)
            throw new InvalidOperationException("a core's TLB was touched from another thread: it is core-local state, reached from other cores only by a shootdown message");
    }
}

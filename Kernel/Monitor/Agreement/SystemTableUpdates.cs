using Multikernel.Capabilities;
using Multikernel.Memory;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// The updates of the replicated system tables (and of the other per-core state the monitors keep consistent) and how
/// they pack into an <see cref="AgreementUpdate"/>'s three words. Domain placement: Key = domain id, Argument = core.
/// TLBs (1PC only, nothing is stored): Kind = 1 + the <see cref="MmuOp"/>, Argument = address-space id, Key = first
/// virtual address, Value = pages.
/// Address spaces (2PC only): Argument = the acting core, Key = address-space id, Value = the root entry (bits 8..0)
/// and the inserted table's physical address (page-aligned, above). Capability ownership: Argument = cores and types
/// (bits 7..0 the acting core, 15..8 a second core, 23..16 the object's type, 31..24 a retype's target type, bit 32
/// for an add-holder, give or drop-holder: the acting core has descendants of the object),
/// Key = object base, Value = size in pages and badge (<see cref="CapObjectKey.PackSizeAndBadge"/>); a retype packs
/// its parent and range in pages instead (Key = parent base | range offset &lt;&lt; 36, Value = parent size | range
/// size &lt;&lt; 36, offsets and sizes in pages, up to 2^28 pages = 1 TiB each).
/// </summary>
public static class SystemTableUpdates
{
    public const byte DomainTable = 1;
    public const byte CapabilityTable = 2;
    /// <summary>Not a table: every participant applies a translation change, e.g. invalidates its TLB (the TLB shootdown, a 1PC).</summary>
    public const byte TlbTable = 3;
    /// <summary>Which root page-table entries of which shared address space hold a table (changed by 2PC).</summary>
    public const byte AddressSpaceTable = 4;

    // TLB kinds: 1 + the MmuOp (what each participant does to its own translations).
    public const byte InvalidateRange = 1 + (byte)MmuOp.Invalidate;

    // Address-space kinds.
    /// <summary>A page table enters a root entry of a shared address space.</summary>
    public const byte InsertRootTable = 1;
    /// <summary>The address space is gone: its rows go.</summary>
    public const byte ReleaseSpace = 2;

    // Domain placement kinds.
    public const byte PlaceDomain = 1;
    public const byte RemoveDomain = 2;

    // Capability ownership kinds.
    /// <summary>A core (first) sends a copy to another (second): the second becomes a holder.</summary>
    public const byte AddHolder = 1;
    /// <summary>A core deletes its last copy of a shared object: it stops being a holder (ownership moves if it owned it).</summary>
    public const byte DropHolder = 2;
    /// <summary>A core revokes an object: every other copy and every descendant, on every core, is deleted.</summary>
    public const byte RevokeObject = 3;
    /// <summary>A core retypes part of a shared object: every holder checks that no descendant of its own overlaps.</summary>
    public const byte RetypeObject = 4;
    /// <summary>A core (first) gives the object to another (second): the second becomes a holder, the first stops being one and deletes its copies.</summary>
    public const byte GiveObject = 5;

    const int PageShift = CapTypeRules.PageShift;
    const int RangeShift = 36;
    const ulong PageMask = (1UL << RangeShift) - 1;
    const ulong MaxRangePages = (1UL << 28) - 1;

    public static AgreementUpdate Place(ulong domain, int core) => new(DomainTable, PlaceDomain, (ulong)core, domain, 0);
    public static AgreementUpdate Remove(ulong domain, int core) => new(DomainTable, RemoveDomain, (ulong)core, domain, 0);

    public static AgreementUpdate Invalidate(ulong spaceId, ulong va, long pages) => Translation(new MmuChange(spaceId, va, pages, MmuOp.Invalidate));

    /// <summary>A translation change every participant applies to its own translations (process mode: its own page table).</summary>
    public static AgreementUpdate Translation(in MmuChange change)
    {
        if (change.SpaceId > AgreementUpdate.MaxArgument || !Enum.IsDefined(change.Op))
            throw new ArgumentOutOfRangeException(nameof(change), change, $"an address-space id fits 48 bits and the op is one of {string.Join(", ", Enum.GetNames<MmuOp>())}");
        return new(TlbTable, (byte)(1 + (byte)change.Op), change.SpaceId, change.Va, (ulong)change.Pages);
    }

    /// <summary>The translation change a TLB update carries.</summary>
    public static MmuChange TranslationOf(in AgreementUpdate u) => new(u.Argument, u.Key, (long)u.Value, (MmuOp)(u.Kind - 1));

    public static AgreementUpdate InsertRoot(ulong spaceId, int entry, ulong tableBase, int core)
    {
        if ((uint)entry >= 512 || (tableBase & 0xFFF) != 0)
            throw new ArgumentOutOfRangeException(nameof(entry), $"a root entry is 0..511 and a table page-aligned; got {entry}, 0x{tableBase:x}");
        return new(AddressSpaceTable, InsertRootTable, (ulong)(byte)core, spaceId, tableBase | (uint)entry);
    }

    public static AgreementUpdate Release(ulong spaceId, int core) => new(AddressSpaceTable, ReleaseSpace, (ulong)(byte)core, spaceId, 0);

    public static int RootEntryOf(in AgreementUpdate u) => (int)(u.Value & 0x1FF);
    public static ulong RootTableOf(in AgreementUpdate u) => u.Value & ~0xFFFUL;

    public static AgreementUpdate Holder(byte kind, in CapObjectKey key, int core, int other = 0, bool coreHasDescendants = false) =>
        new(CapabilityTable, kind, (ulong)(byte)core | (ulong)(byte)other << 8 | (ulong)(byte)key.Type << 16 | (coreHasDescendants ? 1UL << 32 : 0),
            key.Base, key.PackSizeAndBadge());

    public static AgreementUpdate Retype(in CapObjectKey parent, ulong first, ulong bytes, CapType target, int core)
    {
        ulong offsetPages = (first - parent.Base) >> PageShift, pages = bytes >> PageShift;
        if (parent.Badge != 0 || offsetPages > MaxRangePages || pages > MaxRangePages || first < parent.Base)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"a retype agreement carries ranges of at most 2^28 pages inside an unbadged parent; got 0x{first:x}+0x{bytes:x} of {parent}");
        return new(CapabilityTable, RetypeObject, (ulong)(byte)core | (ulong)(byte)parent.Type << 16 | (ulong)(byte)target << 24,
            parent.Base >> PageShift | offsetPages << RangeShift, parent.Size >> PageShift | pages << RangeShift);
    }

    public static int CoreOf(in AgreementUpdate u) => (byte)u.Argument;
    public static int OtherCoreOf(in AgreementUpdate u) => (byte)(u.Argument >> 8);
    public static CapType TargetTypeOf(in AgreementUpdate u) => (CapType)(byte)(u.Argument >> 24);
    public static bool CoreHasDescendants(in AgreementUpdate u) => (u.Argument & (1UL << 32)) != 0;

    /// <summary>The object a capability update names (for a retype: its parent).</summary>
    public static CapObjectKey ObjectOf(in AgreementUpdate u)
    {
        var type = (CapType)(byte)(u.Argument >> 16);
        if (u.Kind != RetypeObject) return CapObjectKey.Unpack(type, u.Key, u.Value);
        return new CapObjectKey(type, (u.Key & PageMask) << PageShift, (u.Value & PageMask) << PageShift, 0);
    }

    /// <summary>The range a retype update creates objects in.</summary>
    public static (ulong First, ulong Bytes) RetypeRangeOf(in AgreementUpdate u)
    {
        var parent = ObjectOf(u);
        return (parent.Base + ((u.Key >> RangeShift) << PageShift), (u.Value >> RangeShift) << PageShift);
    }
}

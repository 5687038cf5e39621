using Multikernel.Capabilities;

namespace Multikernel.Monitor.Agreement;

/// <summary>
/// The updates of the replicated system tables and how they pack into an <see cref="AgreementUpdate"/>'s three
/// words. Domain placement: Key = domain id, Argument = core. Capability ownership: Argument = cores and types
/// (bits 7..0 the acting core, 15..8 a second core, 23..16 the object's type, 31..24 a retype's target type, bit 32
/// for an add-holder: the sending core has descendants of the object),
/// Key = object base, Value = size in pages and badge (<see cref="CapObjectKey.PackSizeAndBadge"/>); a retype packs
/// its parent and range in pages instead (Key = parent base | range offset &lt;&lt; 36, Value = parent size | range
/// size &lt;&lt; 36, offsets and sizes in pages, up to 2^28 pages = 1 TiB each).
/// </summary>
public static class SystemTableUpdates
{
    public const byte DomainTable = 1;
    public const byte CapabilityTable = 2;

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

    const int PageShift = CapTypeRules.PageShift;
    const int RangeShift = 36;
    const ulong PageMask = (1UL << RangeShift) - 1;
    const ulong MaxRangePages = (1UL << 28) - 1;

    public static AgreementUpdate Place(ulong domain, int core) => new(DomainTable, PlaceDomain, (ulong)core, domain, 0);
    public static AgreementUpdate Remove(ulong domain, int core) => new(DomainTable, RemoveDomain, (ulong)core, domain, 0);

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

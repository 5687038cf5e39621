namespace Multikernel.Capabilities;

/// <summary>
/// What makes two capabilities copies of each other (Barrelfish's <c>is_copy</c>): same type, same physical range and
/// same badge. Every object is page-granular, so a key packs into three message words: type, base, and the size in
/// pages (bits 35..0) with the badge (bits 63..36).
/// <para>Derivation follows from the key alone, given the system's invariant that two live objects overlap only if
/// one derives from the other: an object inside a RAM range derives from that RAM; an Endpoint derives from the
/// Dispatcher whose block it names; a badged Endpoint derives from the unbadged one.</para>
/// </summary>
public readonly record struct CapObjectKey(CapType Type, ulong Base, ulong Size, uint Badge)
{
    public const int BadgeBits = 28;
    public const uint MaxBadge = (1u << BadgeBits) - 1;
    const int PageBits = 36;

    public ulong End => Base + Size;

    /// <summary>True when [Base, End) and [<paramref name="base"/>, base + bytes) share a byte.</summary>
    public bool Overlaps(ulong @base, ulong bytes) => Base < @base + bytes && @base < End;

    public bool Overlaps(in CapObjectKey other) => Overlaps(other.Base, other.Size);

    /// <summary>True when [Base, End) lies inside <paramref name="other"/>'s range.</summary>
    public bool Within(in CapObjectKey other) => Base >= other.Base && End <= other.End;

    /// <summary>True when this object derives (directly or not) from <paramref name="ancestor"/>; an object does not derive from itself.</summary>
    public bool IsDescendantOf(in CapObjectKey ancestor)
    {
        if (this == ancestor || !Within(ancestor)) return false;
        return ancestor.Type switch
        {
            CapType.Ram => true,
            CapType.Dispatcher => Type == CapType.Endpoint,
            CapType.Endpoint => ancestor.Badge == 0 && Type == CapType.Endpoint && Badge != 0,
            _ => false,
        };
    }

    /// <summary>Word 2 of a packed key: size in pages and badge.</summary>
    public ulong PackSizeAndBadge() => (Size >> CapTypeRules.PageShift) | (ulong)Badge << PageBits;

    public static CapObjectKey Unpack(CapType type, ulong @base, ulong sizeAndBadge) =>
        new(type, @base, (sizeAndBadge & ((1UL << PageBits) - 1)) << CapTypeRules.PageShift, (uint)(sizeAndBadge >> PageBits));

    public override string ToString() => Badge == 0 ? $"{Type} 0x{Base:x}+0x{Size:x}" : $"{Type} 0x{Base:x}+0x{Size:x} badge {Badge}";
}

namespace Multikernel.Memory;

/// <summary>
/// The x86-64 page-table entry format, the subset this kernel uses: bit 0 present, bit 1 writable, bit 2 user,
/// bits 12..51 the physical address of the next table (or, in a last-level entry, of the mapped frame).
/// Only 4 KiB pages: no large-page bit, no accessed/dirty tracking, no NX.
/// </summary>
public static class PageTableEntry
{
    public const ulong Present = 1UL << 0;
    public const ulong Writable = 1UL << 1;
    public const ulong User = 1UL << 2;
    public const ulong AddressMask = 0x000F_FFFF_FFFF_F000UL;

    public static bool IsPresent(ulong pte) => (pte & Present) != 0;
    public static bool IsWritable(ulong pte) => (pte & Writable) != 0;
    public static ulong Address(ulong pte) => pte & AddressMask;

    /// <summary>A last-level entry mapping frame <paramref name="pa"/> with <paramref name="rights"/>.</summary>
    public static ulong Leaf(ulong pa, PageRights rights) =>
        (pa & AddressMask) | Present | User | (rights == PageRights.ReadWrite ? Writable : 0);

    /// <summary>An upper-level entry pointing at the page-table page <paramref name="tablePa"/> (permissive: rights are decided at the leaf).</summary>
    public static ulong Table(ulong tablePa) => (tablePa & AddressMask) | Present | Writable | User;

    public static PageRights Rights(ulong pte) => IsWritable(pte) ? PageRights.ReadWrite : PageRights.ReadOnly;
}

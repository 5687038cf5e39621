namespace Multikernel.Memory;

/// <summary>
/// The shape of an x86-64 address space (4 levels of 512-entry tables over 4 KiB pages, user half of the 48-bit
/// space) and the MMU's walk over tables kept as real data in <see cref="PhysicalMemory"/>. The tables themselves are
/// built by capability invocations (<see cref="Pmap"/>); this is what a core's MMU (here: its <see cref="Tlb"/> on a
/// miss) does with them.
/// </summary>
public static unsafe class PageTables
{
    public const int Levels = 4;
    public const int EntriesPerTable = 512;
    public const int PageShift = 12;
    public const ulong PageSize = 1UL << PageShift;
    /// <summary>First address above the user half of the canonical 48-bit space.</summary>
    public const ulong UserTop = 1UL << 47;

    /// <summary>Index into the table at <paramref name="level"/> (3 = PML4 ... 0 = last-level table) for <paramref name="va"/>.</summary>
    public static int IndexAt(ulong va, int level) => (int)((va >> (PageShift + 9 * level)) & (EntriesPerTable - 1));

    /// <summary>
    /// The MMU's walk of the 4-level tables rooted at <paramref name="root"/> (any core, concurrently with the core that
    /// edits them: entries are read with acquire loads, and a table is zeroed before it is linked): the last-level entry
    /// for <paramref name="va"/> if present. An address outside the user half has no translation.
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
}

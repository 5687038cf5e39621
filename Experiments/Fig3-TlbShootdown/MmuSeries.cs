namespace Fig3.TlbShootdown;

/// <summary>The multikernel series of a run, by the MMU they use (the rows' Param says mmu=hardware or mmu=modelled).</summary>
[Flags]
public enum MmuSeries
{
    /// <summary>Process mode: each core process changes its own page table with mprotect.</summary>
    Hardware = 1,
    /// <summary>Thread mode: page tables in simulated memory and a software TLB per core.</summary>
    Modelled = 2,
    Both = Hardware | Modelled,
}

namespace Experiments.Schema;

/// <summary>
/// The interrupt rows of fig3-tlb's Linux baselines: the TLB-shootdown interrupts each other core received per
/// page-table-changing call. Written by the TLB experiment, read by the report's unmap claim.
/// </summary>
public static class ShootdownInterruptMetrics
{
    public const string PerCall = "tlb_shootdown_ipis_per_call";

    /// <summary>Fewer interrupts per call than this, and Linux's shootdown was not by IPI (a hypervisor's paravirtual flush spared the other cores).</summary>
    public const double MinByIpi = 0.5;
}

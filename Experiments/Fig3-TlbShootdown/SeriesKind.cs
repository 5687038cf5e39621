namespace Fig3.TlbShootdown;

/// <summary>What one operation of a multikernel series is.</summary>
public enum SeriesKind
{
    /// <summary>A TLB shootdown of one page (the monitors' 1PC of an invalidation), paper Fig 6.</summary>
    Shootdown,
    /// <summary>An end-to-end unmap: VNode Unmap invocation, then a shootdown, paper Fig 7.</summary>
    Unmap,
    /// <summary>A 1PC of a replicated-table update (a domain-placement row) among the monitors.</summary>
    OnePhase,
    /// <summary>A 2PC of a replicated-table update (a domain-placement row) among the monitors.</summary>
    TwoPhase,
}

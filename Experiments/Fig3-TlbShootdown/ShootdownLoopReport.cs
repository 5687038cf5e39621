namespace Fig3.TlbShootdown;

/// <summary>
/// What a multikernel loop measured on the initiator's core, by series then repetition: one sample per batch that
/// ended, so a loop that failed part-way has fewer samples for some series (or none) than it was asked for, and never
/// a sample for a batch it did not run.
/// </summary>
public sealed record ShootdownLoopReport(double[][] Cycles, bool[][] Disturbed, long Completed, string? Failure);

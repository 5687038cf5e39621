namespace Fig3.TlbShootdown;

/// <summary>What a multikernel loop measured on the initiator's core, by series then repetition.</summary>
public sealed record ShootdownLoopReport(double[][] Cycles, bool[][] Disturbed, long Completed, string? Failure);

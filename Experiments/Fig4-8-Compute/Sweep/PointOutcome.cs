namespace Compute.Sweep;

/// <summary>
/// What measuring one sweep point gave: the timed region's seconds of each repetition, the work rate where the
/// benchmark defines one (NPB's Mop/s), whether every run passed its checks, and a note (the checks, or the first
/// failure).
/// </summary>
public sealed record PointOutcome(IReadOnlyList<double> Seconds, IReadOnlyList<double>? Mops, bool Verified, string Note);

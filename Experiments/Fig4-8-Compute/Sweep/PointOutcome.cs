namespace Compute.Sweep;

/// <summary>
/// What measuring one sweep point gave: the timed region's seconds of each repetition, the work rate where the
/// benchmark defines one (NPB's Mop/s), whether every run passed its checks, a note (the checks, or the first
/// failure), and where the series' runs stood in each repetition's run order (<see cref="RuntimeOrder"/>), if the
/// point was measured interleaved with other runtimes; every row of the point carries it in its note.
/// </summary>
public sealed record PointOutcome(IReadOnlyList<double> Seconds, IReadOnlyList<double>? Mops, bool Verified, string Note, string? Order = null);

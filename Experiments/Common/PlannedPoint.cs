namespace Experiments.Common;

/// <summary>One point of a sweep: its name (as listed in meta.json while missing), a relative cost for the time-left
/// estimate, and the measurement that produces its result rows.</summary>
public sealed record PlannedPoint(string Name, double Cost, Func<IReadOnlyList<ResultRow>> Measure)
{
    /// <summary>The untimed JIT warm-up the sweep runs before the first point of its kind (none: the point runs cold).</summary>
    public JitWarmUp? WarmUp { get; init; }
}

namespace Compute.Sweep;

/// <summary>
/// What the compute sweep measures and records at once: one benchmark at one core count on every runtime of the
/// sweep, the runtimes interleaved repetition by repetition (<see cref="RuntimeOrder"/>); it yields one point (a
/// series' rows) per runtime.
/// </summary>
public sealed record SweepGroup(ComputeBench Bench, int Cores)
{
    /// <summary>How progress lines and meta.json's list of missing points name it, e.g. "BARNES.standard cores=2".</summary>
    public string Label => $"{Bench.Label} cores={Cores}";
}

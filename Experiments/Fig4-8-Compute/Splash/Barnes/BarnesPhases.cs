using System.Globalization;

namespace Splash.Barnes;

/// <summary>
/// Where a run's time went, as the original's per-process times (treebuildtime, partitiontime, forcecalctime): worker
/// 0's wall time in each phase of a step, summed over the steps, each phase ending when every worker has passed the
/// barrier after it (so it includes waiting for the slowest worker). Partition is the cost-zone walk, which has no
/// barrier of its own: it ends where that worker's force loop starts.
/// </summary>
public sealed record BarnesPhases(double TreeBuild, double CentreOfMass, double Partition, double Forces, double Advance)
{
    /// <summary>The phases in words, in milliseconds, for a row's note.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"worker 0's phases over all steps: tree build {TreeBuild * 1e3:F1} ms, centre of mass {CentreOfMass * 1e3:F1} ms, cost zones {Partition * 1e3:F1} ms, forces {Forces * 1e3:F1} ms, advance {Advance * 1e3:F1} ms");
}

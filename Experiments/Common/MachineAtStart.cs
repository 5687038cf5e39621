using Multikernel.Hardware;

namespace Experiments.Common;

/// <summary>
/// What a sweep program states about the machine before its first point, measured once at the start: the topology,
/// the cost of one clock read (<see cref="ClockOverhead"/>, reported beside the numbers, not subtracted) and the
/// load average. Printed on the program's first stderr line and recorded as notes in meta.json.
/// </summary>
public sealed record MachineAtStart(MachineTopology Topology, double ClockOverheadCycles, string LoadAverageText)
{
    public static MachineAtStart Measure() => new(MachineTopology.Current, ClockOverhead.MedianCycles(), LoadAverage.Read());

    /// <summary>"cores 0-3 (topology); TSC 2.100 GHz (source)": the machine part of a program's first stderr line.</summary>
    public string Describe(int[] cores) =>
        $"cores {CoreList.Format(cores)} ({Topology}); TSC {CycleClock.Frequency / 1e9:0.000} GHz ({CycleClock.Source})";

    /// <summary>The meta.json note on the clock.</summary>
    public string ClockNote =>
        $"clock: CycleClock.Now() back-to-back median {ClockOverheadCycles:0} cycles ({CycleClock.Source}, {CycleClock.Frequency / 1e9:0.0000} GHz)";

    /// <summary>The meta.json note on the load average.</summary>
    public string LoadNote => $"load average at start: {LoadAverageText}";
}

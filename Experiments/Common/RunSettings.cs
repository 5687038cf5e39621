namespace Experiments.Common;

/// <summary>
/// What every sweep program's run is given, validated from its command line (<see cref="SweepChoice"/>): the cores in
/// order (a sweep over k cores uses the first k; what the first one does is the program's), the run folder and the
/// chosen size profile. Each program's settings add its own size and options.
/// </summary>
public abstract record RunSettings
{
    protected RunSettings(SweepChoice chosen)
    {
        Cores = chosen.Cores;
        OutDir = chosen.OutDir;
        Profile = chosen.Profile;
    }

    public int[] Cores { get; init; }
    /// <summary>The run folder; each experiment writes into its own subfolder of it.</summary>
    public string OutDir { get; init; }
    /// <summary>"quick", "default" or "full".</summary>
    public string Profile { get; init; }
}

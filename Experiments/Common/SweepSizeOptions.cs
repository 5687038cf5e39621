using System.CommandLine;

namespace Experiments.Common;

/// <summary>
/// How big a point sweep is, from the command line: --iterations (timed operations per repetition), --repetitions,
/// and the --quick/--full profiles whose sizes fill in whichever of the two is not given. The sizes of each profile
/// and the ranges belong to the program (<see cref="SweepProfiles"/>); a bad value names the option and its range
/// (<see cref="ExperimentOptions.Int"/>).
/// </summary>
public sealed class SweepSizeOptions
{
    readonly SweepProfiles _sizes;
    readonly string _per;

    public Option<int?> Iterations { get; }
    public Option<int?> Repetitions { get; }
    public ProfileOptions Profiles { get; }

    /// <param name="sizes">The program's profiles and ranges.</param>
    /// <param name="per">What one repetition's timed operations belong to, e.g. "per thread" or "per point".</param>
    public SweepSizeOptions(SweepProfiles sizes, string per, string iterationsDescription, string repetitionsDescription)
    {
        _sizes = sizes;
        _per = per;
        Iterations = ExperimentOptions.Int("--iterations", iterationsDescription, sizes.MinIterations, sizes.MaxIterations);
        Repetitions = ExperimentOptions.Int("--repetitions", repetitionsDescription, 1, sizes.MaxRepetitions);
        Profiles = new ProfileOptions(
            $"Small sweep for a smoke test ({Describe("quick")}; core counts 1, 2, 4, ...)",
            $"Large sweep for publication ({Describe("full")})",
            Describe);
    }

    /// <summary>The chosen profile and the size: the options given, the profile's size for those not given.</summary>
    public (string Profile, int Iterations, int Repetitions) Chosen(ParseResult pr)
    {
        string profile = Profiles.Chosen(pr);
        var (iterations, repetitions) = _sizes[profile];
        return (profile, pr.GetValue(Iterations) ?? iterations, pr.GetValue(Repetitions) ?? repetitions);
    }

    /// <summary>A profile's size in words.</summary>
    public string Describe(string profile) =>
        $"{_sizes[profile].Iterations} timed ops x {_sizes[profile].Repetitions} repetitions {_per}";
}

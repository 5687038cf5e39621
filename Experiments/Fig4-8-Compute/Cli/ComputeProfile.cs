using Compute.Sweep;
using Npb;
using Splash.Barnes;
using Splash.Radiosity;

namespace Compute.Cli;

/// <summary>
/// What each profile runs. quick: NPB class S, BARNES on 2048 bodies (smaller than the standard input), RADIOSITY on
/// the SPLASH-2 paper's input, 1 repetition, core counts 1, 2, 4, ...; default: NPB class A, BARNES's standard input,
/// RADIOSITY on the paper's input, 6 repetitions; full: NPB class B, BARNES on 65536 bodies for 10 steps, RADIOSITY's
/// base problem (code defaults), 6 repetitions.
/// </summary>
public static class ComputeProfile
{
    public static readonly IReadOnlyList<string> Benchmarks = ["cg", "ft", "is", "barnes", "radiosity"];

    /// <summary>Timed runs per point: 6 outside quick, the fewest that give a 95% CI for the median
    /// (<see cref="Experiments.Schema.SampleSummary.MinCountForCi"/>).</summary>
    public static int Repetitions(string profile) => profile == "quick" ? 1 : Experiments.Schema.SampleSummary.MinCountForCi;

    public static ProblemClass Class(string profile) => profile switch
    {
        "quick" => ProblemClass.S,
        "full" => ProblemClass.B,
        _ => ProblemClass.A,
    };

    public static BarnesInput Barnes(string profile) => profile switch
    {
        "quick" => BarnesInput.Quick,
        "full" => BarnesInput.Full,
        _ => BarnesInput.Standard,
    };

    public static RadiosityInput Radiosity(string profile) => profile == "full" ? RadiosityInput.Base : RadiosityInput.Paper;

    /// <summary>A profile in words, for --help and the refusal of --quick with --full.</summary>
    public static string Describe(string profile) =>
        $"NPB class {Class(profile)}, BARNES {Barnes(profile).Name} ({Barnes(profile).Bodies} bodies, {Barnes(profile).Steps} steps), " +
        $"RADIOSITY {Radiosity(profile).Name} input, {Repetitions(profile)} repetition(s) per point";

    public static ComputeBench CreateBench(string name, ComputeSettings settings) => name switch
    {
        "barnes" => new BarnesBench(Barnes(settings.Profile)),
        "radiosity" => new RadiosityBench(Radiosity(settings.Profile)),
        _ => new NpbBench(name, settings.Class),
    };
}

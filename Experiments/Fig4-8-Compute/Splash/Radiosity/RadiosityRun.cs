namespace Splash.Radiosity;

/// <summary>
/// One run of RADIOSITY: wall-clock seconds of the team (model building, iterations and vertex averaging, as the
/// reference's "time without initialization"), iterations to converge, the energy check of every iteration, the
/// resource statistics, and the bytes allocated on the workers' threads during the iterations (allocation probes).
/// </summary>
public sealed record RadiosityRun(
    double Seconds,
    int Workers,
    int Iterations,
    IReadOnlyList<EnergyTrace> Trace,
    RadiosityStatistics Statistics,
    long RefinementBytes);

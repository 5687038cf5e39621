namespace Splash.Radiosity;

/// <summary>
/// The results the original produces with more than one thread: elements, interactions, iterations and the converged
/// total energy (R + G + B of the last convergence check) within these bounds.
/// </summary>
public sealed record RadiosityBand(
    int MinElements, int MaxElements, long MinInteractions, long MaxInteractions, int MinIterations, int MaxIterations,
    double MinEnergy, double MaxEnergy, string Source);

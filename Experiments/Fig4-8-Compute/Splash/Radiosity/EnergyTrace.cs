namespace Splash.Radiosity;

/// <summary>
/// One convergence check of RADIOSITY: the total energy gathered in the iteration just finished (per channel, summed
/// in single precision) and the relative difference from the previous one that the check compares with -en (the
/// first check sees the initial placeholders).
/// </summary>
public readonly record struct EnergyTrace(Rgb TotalEnergy, float Difference);

namespace Splash.Radiosity;

/// <summary>The two phases of the final radiosity averaging onto vertices.</summary>
public enum AveragingMode
{
    /// <summary>Each leaf element adds its radiosity, weighted by its area, to the vertices along its edges.</summary>
    Average = 0,
    /// <summary>Each vertex divides its sum by the total weight.</summary>
    Normalize = 1,
}

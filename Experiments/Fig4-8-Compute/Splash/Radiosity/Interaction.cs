namespace Splash.Radiosity;

/// <summary>
/// A link through which an element gathers light from a destination (source) element: the estimated form factor, its
/// error and the visibility (fraction of test rays that reach the destination; <see cref="HierarchicalRadiosity.VisibilityUndefined"/>
/// until computed). Linked in an element's list by <see cref="Next"/> (0 = end).
/// </summary>
public struct Interaction
{
    public int Next;
    public int Destination;
    public float FormFactor;
    public float FormFactorError;
    public float Visibility;
}

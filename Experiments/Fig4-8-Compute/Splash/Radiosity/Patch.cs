namespace Splash.Radiosity;

/// <summary>
/// A triangle of the scene after BSP insertion (an input polygon or a piece of one) and a node of the BSP tree:
/// its vertices (and their shared vertex and edge objects), plane, area, reflectance and emittance, its BSP links
/// (<see cref="HierarchicalRadiosity.NoPatch"/> when absent) and the root element of its quad-tree of elements. The
/// index in the patch table is its sequence number.
/// </summary>
public struct Patch
{
    public int Ev1, Ev2, Ev3;
    public int E12, E23, E31;
    public Vertex P1, P2, P3;
    public PlaneEquation Plane;
    public float Area;
    public Rgb Color;
    public Rgb Emittance;
    public int BspPositive, BspNegative, BspParent;
    public int ElementRoot;
}

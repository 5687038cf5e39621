namespace Splash.Radiosity;

/// <summary>
/// A triangle of the scene after BSP insertion (an input polygon or a piece of one) and a node of the BSP tree:
/// its vertices (and their shared vertex and edge objects), plane, area, reflectance and emittance, its BSP links
/// (<see cref="HierarchicalRadiosity.NoPatch"/> when absent) and the root element of its quad-tree of elements. The
/// index in the patch table is its sequence number.
/// </summary>
public struct Patch
{
    // What a ray cast through the BSP tree reads, first: plane, links and the projected corners fill one 64-byte line.
    public PlaneEquation Plane;
    public int BspPositive, BspNegative, BspParent;
    /// <summary>The two coordinates (0 x, 1 y, 2 z) of the plane onto which the triangle is projected for the ray test (see <see cref="HierarchicalRadiosity"/>'s v_intersect).</summary>
    public int ProjectX, ProjectY;
    /// <summary>The corners in that projection.</summary>
    public float X1, Y1, X2, Y2, X3, Y3;
    public Vertex P1, P2, P3;
    public int Ev1, Ev2, Ev3;
    public int E12, E23, E31;
    public float Area;
    public Rgb Color;
    public Rgb Emittance;
    public int ElementRoot;
}

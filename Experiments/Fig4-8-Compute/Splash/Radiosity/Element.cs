namespace Splash.Radiosity;

/// <summary>
/// A node of a patch's element quad-tree (the triangle split at its edge midpoints into center, top, left and right
/// children): the interactions it gathers light through (checked ones, and ones whose visibility is not yet known),
/// its radiosity, what its ancestors gathered (pushed down), what its subtree gathered (pulled up), the join counter
/// of its children's tasks, its vertices, edges and area. Links are arena indices, 0 = none.
/// <para>Invariant: the interaction lists, counts, radiosity and join counter change under the element's lock;
/// the children are set once, under it, center last (a non-zero center means all four exist).</para>
/// </summary>
public struct Element
{
    public int Patch;
    public int Parent, Center, Top, Left, Right;
    public int Interactions, InteractionCount;
    public int VisibilityUndefined, VisibilityUndefinedCount;
    public Rgb Rad, RadIn, RadSubtree;
    public int JoinCounter;
    public int Ev1, Ev2, Ev3;
    public int E12, E23, E31;
    public float Area;
}

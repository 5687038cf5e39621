namespace Splash.Barnes;

/// <summary>
/// An internal node of the octree: centre of mass and total mass (valid once <see cref="Done"/> is set in the
/// centre-of-mass pass), the eight children, the summed cost of the bodies below, the level bit (the side is
/// rsize x level / 2^61), the parent and the slot it fills there. Mass and position come first: the force walk reads
/// them with the children from one cache line pair.
/// </summary>
public struct Cell
{
    public double Mass, X, Y, Z;
    public ChildSlots Children;
    public long Cost;
    public long Level;
    public int Parent;
    public int ChildNum;
    /// <summary>1 once the centre of mass is final for this step (set and waited for under the node's hashed lock).</summary>
    public int Done;
}
